import type { App } from '../app.ts';
import type { CallController } from '../call/call-controller.ts';
import { h, replaceChildren } from '../dom.ts';
import type { RoomStore } from '../room-store.ts';
import { errorText } from '../sdk.ts';
import { avatar } from './avatar.ts';

/** "A call is live here: N people" with their avatars and a Join button, for members not in it. */
export function liveBanner(
  call: CallController,
  store: RoomStore,
  app: App,
): { el: HTMLElement; destroy(): void } {
  const text = h('span', { class: 'live-banner__text' });
  const faces = h('span', { class: 'live-banner__faces', 'aria-hidden': 'true' });
  const join = h('button', {
    type: 'button',
    class: 'btn btn--small btn--primary',
    testid: 'live-banner-join',
    text: 'Join',
    on: {
      click: () =>
        void call.join().catch((err: unknown) => app.toast(`Could not join the call: ${errorText(err)}`)),
    },
  });
  const el = h(
    'div',
    { class: 'live-banner', testid: 'live-banner', role: 'status' },
    h('span', { class: 'live-banner__dot', 'aria-hidden': 'true' }),
    text,
    faces,
    join,
  );
  const render = (): void => {
    const people = store.live.list();
    el.hidden = people.length === 0 || call.state !== 'idle';
    text.textContent = `A call is live here: ${people.length} ${people.length === 1 ? 'person' : 'people'}`;
    el.dataset['count'] = String(people.length);
    replaceChildren(faces, ...people.slice(0, 5).map((p) => avatar(p.user, 24, 'live-banner__face')));
  };
  const offs = [store.live.on('change', render), call.on('state', render)];
  render();
  return { el, destroy: () => offs.forEach((off) => off()) };
}
