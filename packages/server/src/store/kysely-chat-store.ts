import { PostgresAdapter, sql, type Kysely, type Selectable } from 'kysely';
import type { ChatStore, StoredFile } from './chat-store.js';
import type { MessageEvent, NotifyLevel } from './chat-types.js';
import { dropRoomIndex } from './chat-index.js';
import type { Database, FilesTable } from './kysely-schema.js';
import { toEvent, toNum } from './rows.js';

type Run = <T>(fn: () => Promise<T>) => Promise<T>;

function toFile(r: Selectable<FilesTable>): StoredFile {
  return {
    id: r.id,
    roomId: r.room_id,
    uploaderId: r.uploader_id,
    name: r.name,
    type: r.type,
    size: toNum(r.size),
    width: r.width,
    height: r.height,
    seq: r.seq === null ? null : toNum(r.seq),
    createdAt: toNum(r.created_at),
  };
}

/** The words of a query: runs of letters and digits (what both engines' tokenizers index). */
export function searchWords(query: string): string[] {
  return (query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16);
}

/** FTS5 MATCH syntax: every word quoted (no operator can sneak in), the last one a prefix. */
function ftsQuery(words: string[]): string {
  return words.map((w, i) => `"${w}"${i === words.length - 1 ? '*' : ''}`).join(' ');
}

/** to_tsquery syntax: words ANDed, the last one a prefix. Words are letters and digits only. */
function tsQuery(words: string[]): string {
  return words.map((w, i) => (i === words.length - 1 ? `${w}:*` : w)).join(' & ');
}

export function kyselyChatStore(db: Kysely<Database>, run: Run): ChatStore {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  return {
    addFile: (f) =>
      run(async () => {
        await db
          .insertInto('files')
          .values({
            id: f.id,
            room_id: f.roomId,
            uploader_id: f.uploaderId,
            name: f.name,
            type: f.type,
            size: f.size,
            width: f.width,
            height: f.height,
            seq: f.seq,
            created_at: f.createdAt,
          })
          .execute();
      }),
    getFile: (id) =>
      run(async () => {
        const r = await db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
        return r && toFile(r);
      }),
    attachFile: (id, seq) =>
      run(async () => {
        const r = await db
          .updateTable('files')
          .set({ seq })
          .where('id', '=', id)
          .where('seq', 'is', null)
          .executeTakeFirst();
        return r.numUpdatedRows > 0n;
      }),
    deleteFile: (id) =>
      run(async () => {
        await db.deleteFrom('files').where('id', '=', id).execute();
      }),
    staleUploads: (before, limit) =>
      run(async () => {
        const rows = await db
          .selectFrom('files')
          .select('id')
          .where('seq', 'is', null)
          .where('created_at', '<', before)
          .orderBy('created_at')
          .limit(Math.max(0, Math.floor(limit)))
          .execute();
        return rows.map((r) => r.id);
      }),
    filesOfRoom: (roomId) =>
      run(async () => {
        const rows = await db.selectFrom('files').select('id').where('room_id', '=', roomId).execute();
        return rows.map((r) => r.id);
      }),
    setNotify: (roomId, userId, level) =>
      run(async () => {
        await db
          .insertInto('member_settings')
          .values({ room_id: roomId, user_id: userId, notify: level })
          .onConflict((oc) => oc.columns(['room_id', 'user_id']).doUpdateSet({ notify: level }))
          .execute();
      }),
    getNotify: (roomId, userId) =>
      run(async () => {
        const r = await db
          .selectFrom('member_settings')
          .select('notify')
          .where('room_id', '=', roomId)
          .where('user_id', '=', userId)
          .executeTakeFirst();
        return r?.notify as NotifyLevel | undefined;
      }),
    search: (userId, query, page) =>
      run(async () => {
        const words = searchWords(query);
        if (words.length === 0) return { messages: [], more: false };
        const limit = Math.max(1, Math.floor(page.limit));
        const inRoom = page.roomId === undefined ? sql`` : sql`and s.room_id = ${page.roomId}`;
        const inRoomFts = page.roomId === undefined ? sql`` : sql`and e.room_id = ${page.roomId}`;
        // Membership is part of the query: a room one has left is not searched.
        const rows = postgres
          ? await sql<{ payload: string }>`
              select e.payload from message_search s
              join room_members m on m.room_id = s.room_id and m.user_id = ${userId}
              join room_events e on e.room_id = s.room_id and e.seq = s.seq
              where s.tsv @@ to_tsquery('simple', ${tsQuery(words)}) ${inRoom}
              order by e.ts desc, s.room_id, s.seq desc
              limit ${limit + 1} offset ${page.offset}`.execute(db)
          : await sql<{ payload: string }>`
              select e.payload from message_fts s
              join room_events e on e.rowid = s.rowid
              join room_members m on m.room_id = e.room_id and m.user_id = ${userId}
              where message_fts match ${ftsQuery(words)} ${inRoomFts}
              order by e.ts desc, e.room_id, e.seq desc
              limit ${limit + 1} offset ${page.offset}`.execute(db);
        const messages = rows.rows
          .slice(0, limit)
          .map((r) => toEvent(r.payload))
          .filter((e): e is MessageEvent => e.type === 'message' && e.deleted !== true);
        return { messages, more: rows.rows.length > limit };
      }),
    deleteRoom: (roomId) =>
      run(() =>
        db.transaction().execute(async (trx) => {
          await dropRoomIndex(trx, roomId);
          await trx.deleteFrom('files').where('room_id', '=', roomId).execute();
          await trx.deleteFrom('invites').where('room_id', '=', roomId).execute();
          // Members, events, mentions, settings (and PostgreSQL's search rows) go by cascade.
          await trx.deleteFrom('room_members').where('room_id', '=', roomId).execute();
          await trx.deleteFrom('room_events').where('room_id', '=', roomId).execute();
          await trx.deleteFrom('rooms').where('id', '=', roomId).execute();
        }),
      ),
  };
}
