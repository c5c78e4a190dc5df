import type { App, AppConnState } from '../app.ts';
import { h } from '../dom.ts';

/** "Reconnecting…" while the SDK reconnects; hidden whenever the connection is fine (or not started). */
export function connBanner(app: App): HTMLElement {
  const text = h('span', { class: 'conn-banner__text' });
  const retry = h('button', {
    type: 'button',
    class: 'btn btn--small btn--ghost-inverse',
    text: 'Retry',
    on: { click: () => app.retry() },
  });
  const el = h(
    'div',
    { class: 'conn-banner', testid: 'conn-banner', role: 'status', 'aria-live': 'polite', hidden: true },
    h('span', { class: 'conn-banner__spinner', 'aria-hidden': 'true' }),
    text,
    retry,
  );
  const render = (state: AppConnState): void => {
    el.dataset['state'] = state;
    const show = state === 'reconnecting' || state === 'closed' || state === 'failed';
    el.hidden = !show;
    retry.hidden = state === 'reconnecting';
    text.textContent =
      state === 'reconnecting'
        ? 'Reconnecting…'
        : state === 'failed'
          ? 'Cannot reach the server.'
          : state === 'closed'
            ? 'Disconnected.'
            : '';
  };
  render(app.conn);
  app.on('conn', render);
  return el;
}
