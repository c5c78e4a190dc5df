import type { Kysely, Selectable } from 'kysely';
import type { ServiceKeyStore, StoredServiceKey } from './identity-store.js';
import type { Database, ServiceKeysTable } from './kysely-schema.js';
import { toNum } from './rows.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

function toServiceKey(r: Selectable<ServiceKeysTable>): StoredServiceKey {
  return {
    id: r.id,
    name: r.name,
    keyHash: r.key_hash,
    createdAt: toNum(r.created_at),
    revokedAt: r.revoked_at === null ? null : toNum(r.revoked_at),
  };
}

/** Service keys over Kysely; only hashes are ever written (identity/service-keys.ts makes them). */
export function kyselyServiceKeyStore(db: Kysely<Database>, run: Run): ServiceKeyStore {
  return {
    createServiceKey: (key) =>
      run(async () => {
        await db
          .insertInto('service_keys')
          .values({
            id: key.id,
            name: key.name,
            key_hash: key.keyHash,
            created_at: key.createdAt,
            revoked_at: key.revokedAt,
          })
          .execute();
      }),

    findServiceKeyByHash: (keyHash) =>
      run(async () => {
        const row = await db
          .selectFrom('service_keys')
          .selectAll()
          .where('key_hash', '=', keyHash)
          .executeTakeFirst();
        return row ? toServiceKey(row) : undefined;
      }),

    listServiceKeys: () =>
      run(async () => {
        const rows = await db
          .selectFrom('service_keys')
          .selectAll()
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        return rows.map(toServiceKey);
      }),

    revokeServiceKey: (id, now) =>
      run(async () => {
        const row = await db.selectFrom('service_keys').select('id').where('id', '=', id).executeTakeFirst();
        if (!row) return false;
        // Revoking twice keeps the first time: the audit trail says when it stopped working.
        await db
          .updateTable('service_keys')
          .set({ revoked_at: now })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .execute();
        return true;
      }),
  };
}
