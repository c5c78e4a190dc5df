/**
 * The developer page (`/developer`): register an app, see its id, rotate its secrets (shown once),
 * and see its webhook's deliveries and failures.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { App } from '../app.ts';
import './apps.css';
import { appsApi, when, type AppInfo, type Delivery } from './apps-api.ts';

interface Secrets {
  clientSecret: string;
  signingSecret: string;
}

interface Deliveries {
  webhook: { url: string | null; disabledAt: number | null; failing: number; nextAttemptAt: number | null };
  deliveries: Delivery[];
}

function SecretsNotice({ secrets, onDone }: { secrets: Secrets; onDone: () => void }) {
  return (
    <div class="card dev__secrets" role="alert" data-testid="dev-secrets">
      <p>
        <strong>Copy these now:</strong> they are shown only once.
      </p>
      <p>
        Client secret: <code data-testid="dev-client-secret">{secrets.clientSecret}</code>
      </p>
      <p>
        Webhook signing secret: <code data-testid="dev-signing-secret">{secrets.signingSecret}</code>
      </p>
      <button type="button" class="btn btn--small" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

function DeliveryLog({ app, appId }: { app: App; appId: string }) {
  const data = useSignal<Deliveries | null>(null);
  useEffect(() => {
    const load = (): void => {
      appsApi<Deliveries>(app, 'GET', `/api/apps/${encodeURIComponent(appId)}/deliveries`)
        .then((r) => (data.value = r))
        .catch(() => undefined);
    };
    load();
    const timer = window.setInterval(load, 5_000);
    return () => window.clearInterval(timer);
  }, [appId]);
  const d = data.value;
  if (!d) return null;
  return (
    <div class="dev__deliveries" data-testid="dev-deliveries">
      <p class="small">
        Webhook: {d.webhook.url ?? 'none (stream only)'}
        {d.webhook.disabledAt !== null && <strong> · disabled {when(d.webhook.disabledAt)}</strong>}
        {d.webhook.failing > 0 && ` · failing (${d.webhook.failing} attempts)`}
      </p>
      {d.deliveries.length > 0 && (
        <table class="dev__table small">
          <thead>
            <tr>
              <th>When</th>
              <th>Status</th>
              <th>Attempt</th>
              <th>Updates</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {d.deliveries.map((x) => (
              <tr
                key={`${x.webhookId}-${x.attempt}-${x.at}`}
                data-testid="dev-delivery"
                data-status={String(x.status)}
              >
                <td>{when(x.at)}</td>
                <td>{x.status === 0 ? 'no answer' : x.status}</td>
                <td>{x.attempt}</td>
                <td>{x.updates}</td>
                <td>{x.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

export function DeveloperPage({ app }: { app: App }) {
  const apps = useSignal<AppInfo[] | null>(null);
  const error = useSignal<string | null>(null);
  const secrets = useSignal<Secrets | null>(null);
  const name = useSignal('');
  const redirects = useSignal('');
  const webhook = useSignal('');
  const load = (): void => {
    appsApi<{ apps: AppInfo[] }>(app, 'GET', '/api/apps')
      .then((r) => (apps.value = r.apps))
      .catch((err: unknown) => (error.value = err instanceof Error ? err.message : String(err)));
  };
  useEffect(() => {
    document.title = 'Developer · Presence';
    load();
  }, []);

  const register = async (e: Event): Promise<void> => {
    e.preventDefault();
    error.value = null;
    try {
      const r = await appsApi<Secrets & { app: AppInfo }>(app, 'POST', '/api/apps', {
        name: name.value,
        redirectUris: redirects.value
          .split(/\s+/)
          .map((s) => s.trim())
          .filter(Boolean),
        webhookUrl: webhook.value.trim() || null,
      });
      secrets.value = { clientSecret: r.clientSecret, signingSecret: r.signingSecret };
      name.value = redirects.value = webhook.value = '';
      load();
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  };
  const rotate = async (id: string): Promise<void> => {
    try {
      secrets.value = await appsApi<Secrets>(app, 'POST', `/api/apps/${encodeURIComponent(id)}/secret`);
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  };

  return (
    <section class="page developer" data-testid="developer" aria-labelledby="developer-title">
      <h1 id="developer-title" class="page__title">
        Your apps
      </h1>
      <p class="muted">
        Register an app to be told when the people who allow it go online, away or offline (docs/apps.md).
      </p>
      {error.value && (
        <p role="alert" class="consent__error" data-testid="dev-error">
          {error.value}
        </p>
      )}
      {secrets.value && <SecretsNotice secrets={secrets.value} onDone={() => (secrets.value = null)} />}
      <form class="card dev__form" onSubmit={(e) => void register(e)}>
        <label>
          Name
          <input
            class="input"
            data-testid="dev-name"
            required
            maxLength={80}
            value={name.value}
            onInput={(e) => (name.value = (e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Redirect URIs (one per line, matched exactly)
          <textarea
            class="input"
            data-testid="dev-redirects"
            required
            rows={2}
            value={redirects.value}
            onInput={(e) => (redirects.value = (e.target as HTMLTextAreaElement).value)}
          />
        </label>
        <label>
          Webhook URL (optional)
          <input
            class="input"
            data-testid="dev-webhook"
            type="url"
            value={webhook.value}
            onInput={(e) => (webhook.value = (e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="btn btn--primary" data-testid="dev-register">
          Register app
        </button>
      </form>
      {apps.value && apps.value.length > 0 && (
        <ul class="apps-list" role="list">
          {apps.value.map((a) => (
            <li
              class="card apps-list__item apps-list__item--dev"
              key={a.id}
              data-testid="dev-app"
              data-app={a.id}
            >
              <div class="apps-list__main">
                <strong class="apps-list__name">{a.name}</strong>
                <span class="muted small">
                  client_id <code>{a.id}</code> · redirects: {a.redirectUris.join(', ')}
                </span>
              </div>
              <button
                type="button"
                class="btn btn--small"
                data-testid="dev-rotate"
                onClick={() => void rotate(a.id)}
              >
                Rotate secrets
              </button>
              <DeliveryLog app={app} appId={a.id} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
