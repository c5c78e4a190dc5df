import type { Kysely, Selectable } from 'kysely';
import type { AccountStore, StoredUser } from './identity-store.js';
import { UsernameTakenError } from './identity-store.js';
import type { Database, UsersTable } from './kysely-schema.js';
import { toNum } from './rows.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

function toUser(r: Selectable<UsersTable>): StoredUser {
  return {
    id: r.id,
    username: r.username,
    name: r.name,
    avatarUrl: r.avatar_url,
    passwordHash: r.password_hash,
    kind: r.kind as StoredUser['kind'],
    tokenVersion: toNum(r.token_version),
    createdAt: toNum(r.created_at),
  };
}

/**
 * Unique violations, told apart from everything else: SQLite says SQLITE_CONSTRAINT_UNIQUE or
 * SQLITE_CONSTRAINT_PRIMARYKEY, PostgreSQL SQLSTATE 23505.
 */
function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Accounts over Kysely, dialect-neutral like the rest of the store (no RETURNING: upserts are
 * followed by a read). Every call goes through `run`, so connection failures become
 * StoreUnavailableError.
 */
export function kyselyAccountStore(db: Kysely<Database>, run: Run): AccountStore {
  const getUser = (id: string): Promise<StoredUser | undefined> =>
    run(async () => {
      const r = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toUser(r);
    });

  return {
    createUser(user) {
      return run(async () => {
        try {
          await db
            .insertInto('users')
            .values({
              id: user.id,
              username: user.username,
              name: user.name,
              avatar_url: user.avatarUrl,
              password_hash: user.passwordHash,
              kind: user.kind,
              token_version: user.tokenVersion,
              created_at: user.createdAt,
            })
            .execute();
        } catch (err) {
          // A taken id is a taken username too: local ids are `<username>@<domain>`.
          if (isUniqueViolation(err)) throw new UsernameTakenError(user.username ?? user.id);
          throw err;
        }
      });
    },

    getUser,

    getUserByUsername(username) {
      return run(async () => {
        const r = await db
          .selectFrom('users')
          .selectAll()
          .where('username', '=', username)
          .executeTakeFirst();
        return r && toUser(r);
      });
    },

    updateUser(id, patch) {
      const set: {
        name?: string;
        avatar_url?: string | null;
        password_hash?: string | null;
        token_version?: number;
      } = {};
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.avatarUrl !== undefined) set.avatar_url = patch.avatarUrl;
      if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
      if (patch.tokenVersion !== undefined) set.token_version = patch.tokenVersion;
      if (Object.keys(set).length === 0) return Promise.resolve();
      return run(async () => {
        await db.updateTable('users').set(set).where('id', '=', id).execute();
      });
    },

    upsertExternalUser(user) {
      return run(async () => {
        // Only an external row follows the external account system: a local or service user with
        // the same id keeps its data, and the caller sees its kind and refuses the login.
        await db
          .insertInto('users')
          .values({
            id: user.id,
            username: null,
            name: user.name,
            avatar_url: user.avatarUrl,
            password_hash: null,
            kind: 'external',
            token_version: 0,
            created_at: user.now,
          })
          .onConflict((oc) =>
            oc
              .column('id')
              .doUpdateSet({ name: user.name, avatar_url: user.avatarUrl })
              .where('users.kind', '=', 'external'),
          )
          .execute();
        const r = await db
          .selectFrom('users')
          .selectAll()
          .where('id', '=', user.id)
          .executeTakeFirstOrThrow();
        return toUser(r);
      });
    },

    revokeToken(jti, expiresAt) {
      return run(async () => {
        // Rows past their token's expiry are useless (the token fails on exp anyway): sweeping them
        // here keeps the table as small as the set of live logged-out tokens, with no timer.
        await db.deleteFrom('revoked_tokens').where('expires_at', '<', Date.now()).execute();
        await db
          .insertInto('revoked_tokens')
          .values({ jti, expires_at: expiresAt })
          .onConflict((oc) => oc.column('jti').doNothing())
          .execute();
      });
    },

    isTokenRevoked(jti) {
      return run(async () => {
        const r = await db
          .selectFrom('revoked_tokens')
          .select('jti')
          .where('jti', '=', jti)
          .executeTakeFirst();
        return r !== undefined;
      });
    },
  };
}
