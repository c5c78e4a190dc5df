/**
 * Durable identity data: user accounts, revoked session tokens and service keys. Part of the Store
 * seam (`store.accounts`, `store.serviceKeys`); one implementation over Kysely serves SQLite and
 * PostgreSQL. Connection failures surface as StoreUnavailableError like everywhere in the store.
 */
export interface AccountStore {
  /** Insert a user. A taken username or id rejects with UsernameTakenError. */
  createUser(user: StoredUser): Promise<void>;
  getUser(id: string): Promise<StoredUser | undefined>;
  getUserByUsername(username: string): Promise<StoredUser | undefined>;
  updateUser(
    id: string,
    patch: Partial<Pick<StoredUser, 'name' | 'avatarUrl' | 'passwordHash' | 'tokenVersion'>>,
  ): Promise<void>;
  /** Create or refresh a user vouched for by an external account system (name and avatar follow it). */
  upsertExternalUser(user: {
    id: string;
    name: string;
    avatarUrl: string | null;
    now: number;
  }): Promise<StoredUser>;
  /** Remember a logged-out token until it would expire anyway. */
  revokeToken(jti: string, expiresAt: number): Promise<void>;
  isTokenRevoked(jti: string): Promise<boolean>;
}

export interface StoredUser {
  /** Qualified user id: `alice@chat.example.org`. */
  id: string;
  /** Login name of a local account; null for external and service-created users. */
  username: string | null;
  name: string;
  /** Replaces the generated pixel avatar when set. */
  avatarUrl: string | null;
  /** scrypt hash string (see identity/passwords.ts); null for users without a password. */
  passwordHash: string | null;
  kind: 'local' | 'external' | 'service';
  /** Session tokens carry it; bumping it (password change) invalidates all older tokens. */
  tokenVersion: number;
  createdAt: number;
}

export interface ServiceKeyStore {
  createServiceKey(key: StoredServiceKey): Promise<void>;
  /** The key with this SHA-256 hash, revoked or not. */
  findServiceKeyByHash(keyHash: string): Promise<StoredServiceKey | undefined>;
  listServiceKeys(): Promise<StoredServiceKey[]>;
  /** Returns false when no such key exists. */
  revokeServiceKey(id: string, now: number): Promise<boolean>;
}

export interface StoredServiceKey {
  id: string;
  name: string;
  keyHash: string;
  createdAt: number;
  revokedAt: number | null;
}

export class UsernameTakenError extends Error {
  constructor(username: string) {
    super(`username ${username} is taken`);
    this.name = 'UsernameTakenError';
  }
}
