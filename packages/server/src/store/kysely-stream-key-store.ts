import type { Kysely, Selectable } from 'kysely';
import type { Database, StreamKeysTable } from './kysely-schema.js';
import { toNum } from './rows.js';
import type { StoredStreamKey, StreamKeyStore } from './stream-key-store.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

function toStreamKey(r: Selectable<StreamKeysTable>): StoredStreamKey {
  return {
    id: r.id,
    roomId: r.room_id,
    displayName: r.display_name,
    keyHash: r.key_hash,
    createdBy: r.created_by,
    createdAt: toNum(r.created_at),
    revokedAt: r.revoked_at === null ? null : toNum(r.revoked_at),
  };
}

/** Stream keys over Kysely (SQLite and PostgreSQL). */
export function kyselyStreamKeyStore(db: Kysely<Database>, run: Run): StreamKeyStore {
  return {
    createStreamKey: (key) =>
      run(async () => {
        await db
          .insertInto('stream_keys')
          .values({
            id: key.id,
            room_id: key.roomId,
            display_name: key.displayName,
            key_hash: key.keyHash,
            created_by: key.createdBy,
            created_at: key.createdAt,
            revoked_at: key.revokedAt,
          })
          .execute();
      }),

    findStreamKeyByHash: (keyHash) =>
      run(async () => {
        const row = await db
          .selectFrom('stream_keys')
          .selectAll()
          .where('key_hash', '=', keyHash)
          .executeTakeFirst();
        return row ? toStreamKey(row) : undefined;
      }),

    getStreamKey: (id) =>
      run(async () => {
        const row = await db.selectFrom('stream_keys').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? toStreamKey(row) : undefined;
      }),

    listStreamKeys: (roomId) =>
      run(async () => {
        const rows = await db
          .selectFrom('stream_keys')
          .selectAll()
          .where('room_id', '=', roomId)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        return rows.map(toStreamKey);
      }),

    replaceStreamKeyHash: (id, keyHash) =>
      run(async () => {
        const row = await db
          .selectFrom('stream_keys')
          .select('id')
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        if (!row) return false;
        await db.updateTable('stream_keys').set({ key_hash: keyHash }).where('id', '=', id).execute();
        return true;
      }),

    revokeStreamKey: (id, now) =>
      run(async () => {
        const row = await db.selectFrom('stream_keys').select('id').where('id', '=', id).executeTakeFirst();
        if (!row) return false;
        await db
          .updateTable('stream_keys')
          .set({ revoked_at: now })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .execute();
        return true;
      }),
  };
}
