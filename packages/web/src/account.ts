/**
 * Local accounts over the server's REST API (docs/integration.md, "Local accounts over REST"):
 * register, log in, log out, change the password. A logged-in browser keeps the login's token in
 * localStorage (storage.ts, SavedAccount); each tab connects with it once and then resumes with its
 * own session token, like a guest. Nothing here touches the DOM.
 */
import type { App } from './app.ts';
import { retryText } from './invite-format.ts';
import { ACCOUNT_KEY, savedAccount, saveAccount, savedToken, saveName } from './storage.ts';

/** A failed account request: the server's error code (or NETWORK), and RATE_LIMITED's wait. */
export class AccountError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}

interface AccountAnswer {
  userId: string;
  name: string;
  token: string;
}

async function call<T>(path: string, opts: { body?: unknown; token?: string }): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  let res: Response;
  try {
    res = await fetch(path, {
      method: 'POST',
      headers,
      ...(opts.body !== undefined && { body: JSON.stringify(opts.body) }),
    });
  } catch {
    throw new AccountError('NETWORK', 'Could not reach the server. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  let body: Record<string, unknown> = {};
  try {
    body = (await res.json()) as Record<string, unknown>;
  } catch {
    // An empty or non-JSON answer (a proxy's error page): judged by the status below.
  }
  if (res.ok) return body as T;
  const code = typeof body['code'] === 'string' ? body['code'] : `HTTP_${res.status}`;
  const message = typeof body['message'] === 'string' ? body['message'] : res.statusText;
  let retryAfterMs = typeof body['retryAfterMs'] === 'number' ? body['retryAfterMs'] : undefined;
  const header = Number(res.headers.get('retry-after'));
  if (retryAfterMs === undefined && header > 0) retryAfterMs = header * 1000;
  throw new AccountError(code, message, retryAfterMs);
}

/** What a person should read for a failed account request. */
export function accountErrorText(err: unknown, action: 'login' | 'register' | 'password' = 'login'): string {
  if (!(err instanceof AccountError)) return err instanceof Error ? err.message : 'Something went wrong.';
  switch (err.code) {
    case 'USERNAME_TAKEN':
      return 'This username is taken. Please choose another one.';
    case 'INVALID_CREDENTIALS':
      return action === 'password' ? 'The current password is wrong.' : 'Wrong username or password.';
    case 'RATE_LIMITED':
      return retryText(err.retryAfterMs);
    case 'UNAUTHORIZED':
      return 'Your login has expired. Please log out and log in again.';
    case 'FORBIDDEN':
      if (action === 'register') return 'This server does not allow creating accounts here.';
      return action === 'password' ? 'This account has no password to change here.' : err.message;
    case 'STORE_UNAVAILABLE':
      return 'The server cannot reach its database right now. Try again in a moment.';
    case 'INVALID_MESSAGE':
      return `The server did not accept this: ${err.message}`;
    default:
      return err.message || 'Something went wrong.';
  }
}

/** The session token to upgrade (docs/protocol.md, "Accounts and tokens"); ignored unless a guest's. */
function guestToken(): { token?: string } {
  const token = savedToken();
  return token ? { token } : {};
}

/** Remember the account and reconnect as it. */
function signIn(app: App, answer: AccountAnswer, username: string): void {
  saveAccount({ userId: answer.userId, name: answer.name, username, token: answer.token });
  // A guest name is still needed after a logout; start from the account's.
  if (!app.name) {
    app.name = answer.name;
    saveName(answer.name);
  }
  app.switchIdentity(null);
}

export async function register(
  app: App,
  input: { username: string; password: string; name: string },
): Promise<void> {
  const username = input.username.trim().toLowerCase();
  // This tab's (guest) session token: the server then hands the guest's rooms to the account.
  const answer = await call<AccountAnswer>('/api/accounts', {
    body: { username, password: input.password, name: input.name.trim() },
    ...guestToken(),
  });
  signIn(app, answer, username);
}

export async function login(app: App, input: { username: string; password: string }): Promise<void> {
  const username = input.username.trim().toLowerCase();
  const answer = await call<AccountAnswer>('/api/login', {
    body: { username, password: input.password },
    ...guestToken(),
  });
  signIn(app, answer, username);
}

/**
 * End every token this tab holds for the account (best effort). The page then offers to carry on
 * as a guest, without joining anything by itself.
 */
export async function logout(app: App): Promise<void> {
  const tokens = new Set([savedToken(), savedAccount()?.token].filter((t): t is string => Boolean(t)));
  saveAccount(null);
  await Promise.all([...tokens].map((token) => call('/api/logout', { token }).catch(() => undefined)));
  app.switchIdentity(null, { loggedOut: true });
}

/**
 * Change the password. The server ends every older token of the account; the answer's token
 * continues this tab's session, and a fresh login gives other (and new) tabs a token of their own
 * (one token resumes one session: sharing this tab's would evict it).
 */
export async function changePassword(
  app: App,
  input: { oldPassword: string; newPassword: string },
): Promise<void> {
  const account = savedAccount();
  const token = savedToken() ?? account?.token;
  if (!account || !token) throw new AccountError('UNAUTHORIZED', 'Not logged in.');
  const { token: fresh } = await call<{ token: string }>('/api/account/password', { body: input, token });
  app.replaceToken(fresh);
  try {
    const answer = await call<AccountAnswer>('/api/login', {
      body: { username: account.username, password: input.newPassword },
    });
    saveAccount({ ...account, token: answer.token });
  } catch {
    // Other tabs will ask for a new login; this one keeps going with `fresh`.
  }
}

/** Whether the connected user is an account (not a guest). */
export function isSignedIn(app: App): boolean {
  const id = app.me?.userId;
  return id !== undefined && !id.startsWith('~');
}

/**
 * Keep this tab in step with the account: a login or logout in another tab switches this one too,
 * and a session token the server refused (logged out, password changed elsewhere) falls back to
 * the account's login token, or to a guest when that was refused as well.
 */
export function watchAccount(app: App): void {
  let lastCheck = 0;
  app.on('me', (welcome) => {
    if (!welcome?.resumeError) return;
    const account = savedAccount();
    if (!account || Date.now() - lastCheck < 10_000) return;
    lastCheck = Date.now();
    void fetch('/api/me', { headers: { authorization: `Bearer ${account.token}` } })
      .then((res) => {
        if (savedAccount()?.token !== account.token) return;
        if (res.ok) {
          app.switchIdentity(null);
        } else if (res.status === 401) {
          saveAccount(null);
          app.toast('You were logged out. You can keep going as a guest or log in again.', 'info');
          app.emit('identity', undefined);
        }
      })
      .catch(() => undefined);
  });

  window.addEventListener('storage', (event) => {
    if (event.key !== ACCOUNT_KEY && event.key !== null) return;
    const account = savedAccount();
    const current = app.me?.userId ?? null;
    const signedIn = current !== null && !current.startsWith('~');
    if (!account && signedIn) {
      // Logged out in another tab: end this tab's token too.
      const token = savedToken();
      if (token) void call('/api/logout', { token }).catch(() => undefined);
      app.switchIdentity(null, { loggedOut: true });
    } else if (account && account.userId !== current && app.conn !== 'idle') {
      app.switchIdentity(null);
    } else if (app.me === null) {
      // Not connected yet: only what the page shows changes.
      app.emit('identity', undefined);
    }
  });
}
