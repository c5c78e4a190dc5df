import type { App, AppConnState } from '../app.ts';
import { storeVersion, track } from '../state/store-signal.ts';

const TEXT: Partial<Record<AppConnState | 'offline', string>> = {
  offline: 'You are offline. Messages you send wait and go when the network is back.',
  reconnecting: 'Reconnecting…',
  failed: 'Cannot reach the server.',
  closed: 'Disconnected.',
};

/**
 * "You are offline" as soon as the browser loses its network, "Reconnecting…" while the SDK
 * reconnects; hidden whenever the connection is fine (or not started).
 */
export function ConnBanner({ app }: { app: App }) {
  track(storeVersion(app, 'conn'), storeVersion(app, 'network'));
  // navigator.onLine is a hint, not a fact (Chromium says offline on a host with only loopback):
  // a connection that works wins over it.
  const trustConn = app.online || app.conn === 'idle' || app.conn === 'connected';
  const state: AppConnState | 'offline' = trustConn ? app.conn : 'offline';
  const show = state === 'offline' || state === 'reconnecting' || state === 'closed' || state === 'failed';
  return (
    <div
      class="conn-banner"
      data-testid="conn-banner"
      role="status"
      aria-live="polite"
      hidden={!show}
      data-state={state}
    >
      <span class="conn-banner__spinner" aria-hidden="true" />
      <span class="conn-banner__text">{TEXT[state] ?? ''}</span>
      <button
        type="button"
        class="btn btn--small btn--ghost-inverse"
        hidden={state === 'reconnecting' || state === 'offline'}
        onClick={() => app.retry()}
      >
        Retry
      </button>
    </div>
  );
}
