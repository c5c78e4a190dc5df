import type { RoomEvent } from '@presence/protocol';
import { PostgresAdapter, sql, type Transaction } from 'kysely';
import type { Database } from './kysely-schema.js';

/**
 * The rows kept beside the log for chat features: the search index (FTS5 on SQLite, a tsvector
 * table on PostgreSQL) and who each message mentions (mention counts). Written in the same
 * transaction as the event, so they never disagree with it.
 */
export async function indexEvent(trx: Transaction<Database>, e: RoomEvent): Promise<void> {
  const postgres = trx.getExecutor().adapter instanceof PostgresAdapter;
  if (e.type === 'message') {
    if (e.deleted === true) return;
    await setSearchBody(trx, postgres, e.room, e.seq, e.text);
    const mentions = [...new Set(e.mentions ?? [])];
    if (mentions.length > 0) {
      await trx
        .insertInto('message_mentions')
        .values(mentions.map((user_id) => ({ room_id: e.room, seq: e.seq, user_id })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  } else if (e.type === 'message.edited') {
    await setSearchBody(trx, postgres, e.room, e.target, e.text);
  } else if (e.type === 'message.deleted') {
    await setSearchBody(trx, postgres, e.room, e.target, null);
    await trx
      .deleteFrom('message_mentions')
      .where('room_id', '=', e.room)
      .where('seq', '=', e.target)
      .execute();
  }
}

async function setSearchBody(
  trx: Transaction<Database>,
  postgres: boolean,
  roomId: string,
  seq: number,
  body: string | null,
): Promise<void> {
  if (postgres) {
    await trx.deleteFrom('message_search').where('room_id', '=', roomId).where('seq', '=', seq).execute();
    if (body !== null)
      await trx.insertInto('message_search').values({ room_id: roomId, seq, body }).execute();
    return;
  }
  // FTS5 rows share the rowid of their room_events row: found by it in O(log n) (its other
  // columns are not indexed, so a WHERE on them would scan the whole index).
  const eventRowid = sql<number>`(select rowid from room_events where room_id = ${roomId} and seq = ${seq})`;
  await sql`delete from message_fts where rowid = ${eventRowid}`.execute(trx);
  if (body !== null) {
    await sql`insert into message_fts (rowid, body, room_id, seq) values (${eventRowid}, ${body}, ${roomId}, ${seq})`.execute(
      trx,
    );
  }
}

/** Forget a deleted room's index rows (PostgreSQL's go by cascade; FTS5 has no foreign keys). */
export async function dropRoomIndex(trx: Transaction<Database>, roomId: string): Promise<void> {
  if (trx.getExecutor().adapter instanceof PostgresAdapter) return;
  await sql`delete from message_fts where rowid in (select rowid from room_events where room_id = ${roomId})`.execute(
    trx,
  );
}
