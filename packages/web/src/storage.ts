/**
 * What the browser remembers: the display name across visits (localStorage) and the session token
 * for this tab only (sessionStorage), so a reload resumes the same identity. Storage can be
 * unavailable (private modes, disabled cookies): then nothing is remembered, nothing breaks.
 */
const NAME_KEY = 'presence.name';
const TOKEN_KEY = 'presence.token';

function read(storage: () => Storage, key: string): string | null {
  try {
    return storage().getItem(key);
  } catch {
    return null;
  }
}

function write(storage: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    // Not remembered; fine.
  }
}

const GUEST_KEY = 'presence.guestKey';

/**
 * A random key this browser keeps (localStorage) and sends with every join: a ban on a guest holds
 * it, since a guest gets a new user id each visit. A fresh browser profile has a new one.
 */
export function guestKey(): string | undefined {
  const known = read(() => localStorage, GUEST_KEY);
  if (known && known.length >= 8) return known;
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  const fresh = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  write(() => localStorage, GUEST_KEY, fresh);
  return read(() => localStorage, GUEST_KEY) ?? undefined;
}

export const savedName = (): string => read(() => localStorage, NAME_KEY)?.trim() ?? '';
export const saveName = (name: string): void => write(() => localStorage, NAME_KEY, name.trim());
export const savedToken = (): string | null => read(() => sessionStorage, TOKEN_KEY);
export const saveToken = (token: string | null): void => write(() => sessionStorage, TOKEN_KEY, token);

/**
 * The logged-in account, remembered across visits and shared by this browser's tabs (localStorage):
 * `token` is the login's session token, used by a tab that has no session token of its own yet.
 */
export interface SavedAccount {
  userId: string;
  name: string;
  username: string;
  token: string;
}

export const ACCOUNT_KEY = 'presence.account';

export function savedAccount(): SavedAccount | null {
  const raw = read(() => localStorage, ACCOUNT_KEY);
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<SavedAccount> | null;
    if (
      typeof value?.userId === 'string' &&
      typeof value.name === 'string' &&
      typeof value.username === 'string' &&
      typeof value.token === 'string'
    ) {
      return { userId: value.userId, name: value.name, username: value.username, token: value.token };
    }
  } catch {
    // Not ours or damaged: treated as logged out.
  }
  return null;
}

export const saveAccount = (account: SavedAccount | null): void =>
  write(() => localStorage, ACCOUNT_KEY, account ? JSON.stringify(account) : null);

/**
 * A session of this tab on another server (a room there, as this user): that server's base URL
 * and its session token (sessionStorage, like this server's own token), per server.
 */
export interface RemoteSession {
  url: string;
  token: string;
}
const remoteKey = (server: string): string => `presence.remote.${server.toLowerCase()}`;

export function savedRemote(server: string): RemoteSession | null {
  const raw = read(() => sessionStorage, remoteKey(server));
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<RemoteSession> | null;
    return typeof v?.url === 'string' && typeof v.token === 'string' ? { url: v.url, token: v.token } : null;
  } catch {
    return null;
  }
}

export const saveRemote = (server: string, session: RemoteSession | null): void =>
  write(() => sessionStorage, remoteKey(server), session ? JSON.stringify(session) : null);
