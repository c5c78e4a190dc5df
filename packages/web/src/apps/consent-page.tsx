/**
 * The OAuth consent page (`/oauth/authorize?…`): "App X wants to see when you are online". The
 * request is checked by the server first (unknown app or unregistered redirect URI: an error
 * here, never a redirect); Allow or Deny sends the browser back to the app.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { App } from '../app.ts';
import './apps.css';
import { openAccountDialog } from '../components/account-dialogs.tsx';
import { storeVersion, track } from '../state/store-signal.ts';
import { appsApi, tokenOf } from './apps-api.ts';

interface Info {
  app: { id: string; name: string };
  allowed: boolean;
}

export function ConsentPage({ app, search }: { app: App; search: string }) {
  track(storeVersion(app, 'me'));
  const info = useSignal<Info | null>(null);
  const error = useSignal<string | null>(null);
  const busy = useSignal(false);
  const shareStatus = useSignal(false);
  const signedIn = tokenOf(app) !== null && !(app.me?.userId ?? app.account?.userId ?? '~').startsWith('~');
  const query = Object.fromEntries(new URLSearchParams(search));

  useEffect(() => {
    document.title = 'Allow access · Presence';
  }, []);
  useEffect(() => {
    if (!signedIn) return;
    error.value = null;
    appsApi<Info>(app, 'GET', `/api/oauth/authorize${search}`)
      .then((r) => (info.value = r))
      .catch((err: unknown) => (error.value = err instanceof Error ? err.message : String(err)));
  }, [signedIn, search]);

  const decide = async (allow: boolean): Promise<void> => {
    busy.value = true;
    try {
      const r = await appsApi<{ redirect: string }>(app, 'POST', '/api/oauth/authorize', {
        ...query,
        allow,
        shareStatus: shareStatus.value,
      });
      window.location.assign(r.redirect);
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
      busy.value = false;
    }
  };

  return (
    <section class="page consent" data-testid="consent" aria-labelledby="consent-title">
      <div class="card consent__card">
        {!signedIn ? (
          <>
            <h1 id="consent-title" class="page__title">
              Sign in to continue
            </h1>
            <p class="muted">An app is asking to see your presence. Sign in to your account first.</p>
            <button
              type="button"
              class="btn btn--primary"
              data-testid="consent-login"
              onClick={() => openAccountDialog(app, 'login')}
            >
              Log in
            </button>
          </>
        ) : error.value ? (
          <>
            <h1 id="consent-title" class="page__title">
              This request cannot be granted
            </h1>
            <p class="consent__error" role="alert" data-testid="consent-error">
              {error.value}
            </p>
          </>
        ) : !info.value ? (
          <p class="muted" role="status">
            Checking the request…
          </p>
        ) : (
          <>
            <h1 id="consent-title" class="page__title" data-testid="consent-title">
              <strong>{info.value.app.name}</strong> wants to see when you are online
            </h1>
            <p class="muted">
              It will be told when you are online, away or offline, under an id only this app knows. You can
              pause or revoke this at any time in Settings → Apps with access.
            </p>
            {info.value.allowed ? (
              <>
                <label class="consent__option">
                  <input
                    type="checkbox"
                    data-testid="consent-share-status"
                    checked={shareStatus.value}
                    onChange={(e) => (shareStatus.value = (e.target as HTMLInputElement).checked)}
                  />{' '}
                  Also share my status text
                </label>
                <div class="consent__actions">
                  <button
                    type="button"
                    class="btn"
                    data-testid="consent-deny"
                    disabled={busy.value}
                    onClick={() => void decide(false)}
                  >
                    Deny
                  </button>
                  <button
                    type="button"
                    class="btn btn--primary"
                    data-testid="consent-allow"
                    disabled={busy.value}
                    onClick={() => void decide(true)}
                  >
                    Allow
                  </button>
                </div>
              </>
            ) : (
              <p role="alert">Guests cannot grant apps access on this server. Register or log in first.</p>
            )}
          </>
        )}
      </div>
    </section>
  );
}
