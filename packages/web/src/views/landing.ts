import type { App } from '../app.ts';
import { h } from '../dom.ts';
import { routePath, type Router } from '../router.ts';
import { errorText } from '../sdk.ts';
import { nameForm } from './name-form.ts';
import type { View } from './view.ts';

/** Home: pick a display name, create a room. */
export function landingView(app: App, router: Router): View {
  const form = nameForm({
    initial: app.name,
    signedInAs: app.account?.name ?? null,
    submitLabel: 'Create room',
    submitTestId: 'create-room',
    async submit(name) {
      if (!app.account) app.setName(name);
      try {
        const id = await app.createRoom();
        router.go(routePath({ view: 'room', room: id }));
      } catch (err) {
        throw new Error(`Could not create a room: ${errorText(err)}`);
      }
    },
  });
  const el = h(
    'section',
    { class: 'landing', 'aria-labelledby': 'landing-title' },
    h(
      'div',
      { class: 'card landing__card' },
      h('div', { class: 'landing__mark', 'aria-hidden': 'true' }, logo(56)),
      h('h1', { id: 'landing-title', class: 'landing__title' }, 'Talk to anyone with a link'),
      h(
        'p',
        { class: 'landing__lead' },
        'Create a room, share its link, and chat in real time. No account needed.',
      ),
      form.el,
      h(
        'p',
        { class: 'landing__alt small' },
        'Or ',
        h(
          'a',
          { href: routePath({ view: 'directory', query: '' }), dataset: { link: '' } },
          'browse public rooms',
        ),
        '.',
      ),
    ),
  );
  return {
    el,
    mounted: () => {
      document.title = 'Presence';
      if (!app.name) form.focus();
    },
  };
}

/** The Presence mark: two overlapping speech bubbles, drawn inline (no external asset). */
export function logo(size = 28): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 32 32');
  svg.setAttribute('width', String(size));
  svg.setAttribute('height', String(size));
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('logo');
  const back = document.createElementNS(ns, 'path');
  back.setAttribute(
    'd',
    'M12 4h14a4 4 0 0 1 4 4v9a4 4 0 0 1-4 4h-1v4l-5-4h-8a4 4 0 0 1-4-4V8a4 4 0 0 1 4-4z',
  );
  back.setAttribute('class', 'logo__back');
  const front = document.createElementNS(ns, 'path');
  front.setAttribute(
    'd',
    'M6 11h12a4 4 0 0 1 4 4v7a4 4 0 0 1-4 4h-7l-5 4v-4a4 4 0 0 1-4-4v-7a4 4 0 0 1 4-4z',
  );
  front.setAttribute('class', 'logo__front');
  svg.append(back, front);
  return svg;
}
