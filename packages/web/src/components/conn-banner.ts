import type { App, AppConnState } from '../app.ts';
import { h } from '../dom.ts';

/**
 * "You are offline" as soon as the browser loses its network, "Reconnecting…" while the SDK
 * reconnects; hidden whenever the connection is fine (or not started).
 */
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
  const render = (): void => {
    // navigator.onLine is a hint, not a fact (Chromium says offline on a host with only loopback):
    // a connection that works wins over it.
    const trustConn = app.online || app.conn === 'idle' || app.conn === 'connected';
    const state: AppConnState | 'offline' = trustConn ? app.conn : 'offline';
    el.dataset['state'] = state;
    const show = state === 'offline' || state === 'reconnecting' || state === 'closed' || state === 'failed';
    el.hidden = !show;
    retry.hidden = state === 'reconnecting' || state === 'offline';
    text.textContent =
      state === 'offline'
        ? 'You are offline. Messages you send wait and go when the network is back.'
        : state === 'reconnecting'
          ? 'Reconnecting…'
          : state === 'failed'
            ? 'Cannot reach the server.'
            : state === 'closed'
              ? 'Disconnected.'
              : '';
  };
  render();
  app.on('conn', render);
  app.on('network', render);
  return el;
}
