/** Settings → "Apps with access": every app the user granted, with pause and revoke. */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { App } from '../app.ts';
import './apps.css';
import { appsApi, when, type Grant } from './apps-api.ts';

export function AppsSettings({ app }: { app: App }) {
  const grants = useSignal<Grant[] | null>(null);
  const error = useSignal<string | null>(null);
  const load = (): void => {
    appsApi<{ grants: Grant[] }>(app, 'GET', '/api/me/apps')
      .then((r) => (grants.value = r.grants))
      .catch((err: unknown) => (error.value = err instanceof Error ? err.message : String(err)));
  };
  useEffect(() => {
    document.title = 'Apps with access · Presence';
    load();
  }, []);
  const act = async (fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
      load();
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  };

  return (
    <section class="page apps-settings" data-testid="apps-settings" aria-labelledby="apps-settings-title">
      <h1 id="apps-settings-title" class="page__title">
        Apps with access
      </h1>
      <p class="muted">
        These apps are told when you are online, away or offline. Paused apps get nothing until you resume
        them.
      </p>
      {error.value && (
        <p role="alert" class="consent__error">
          {error.value}
        </p>
      )}
      {grants.value === null ? (
        <p class="muted" role="status">
          Loading…
        </p>
      ) : grants.value.length === 0 ? (
        <p class="muted" data-testid="apps-settings-empty">
          No app has access to your presence.
        </p>
      ) : (
        <ul class="apps-list" role="list">
          {grants.value.map((g) => (
            <li class="card apps-list__item" key={g.app.id} data-testid="app-grant" data-app={g.app.id}>
              <div class="apps-list__main">
                <strong class="apps-list__name">{g.app.name}</strong>
                <span class="muted small">
                  Since {when(g.grantedAt)}
                  {g.shareStatus ? ' · sees your status text' : ''}
                  {g.paused ? ' · paused' : ''}
                </span>
              </div>
              <label class="apps-list__toggle">
                <input
                  type="checkbox"
                  role="switch"
                  data-testid="app-grant-active"
                  checked={!g.paused}
                  onChange={(e) =>
                    void act(() =>
                      appsApi(app, 'PUT', `/api/me/apps/${encodeURIComponent(g.app.id)}`, {
                        paused: !(e.target as HTMLInputElement).checked,
                      }),
                    )
                  }
                />{' '}
                Active
              </label>
              <button
                type="button"
                class="btn btn--small"
                data-testid="app-grant-revoke"
                onClick={() =>
                  void act(() => appsApi(app, 'DELETE', `/api/me/apps/${encodeURIComponent(g.app.id)}`))
                }
              >
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
