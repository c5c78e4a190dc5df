import type { RoomEvent } from '@presence/protocol';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './kysely-schema.js';
import { eventRow, toEvent, toNum } from './rows.js';
import { SeqConflictError } from './store.js';
import { indexEvent } from './chat-index.js';
import { applyReaction } from '../shared/reaction-map.js';
import type { EventPage } from './store.js';

/**
 * The room log: appending (with its effects on other rows) and paging. Plain functions over a
 * Kysely handle or transaction; KyselyStore owns transactions and error mapping.
 */

/** Rows per multi-row insert: far below both dialects' bound-parameter limits. */
const INSERT_CHUNK = 500;

/** Append one event at last_seq + 1 and apply its effects. Must run inside a transaction. */
export async function appendInTransaction(trx: Transaction<Database>, event: RoomEvent): Promise<void> {
  // Advance last_seq first, conditionally: on PostgreSQL this row lock serialises appends to one
  // room, and a concurrent append at the same seq re-checks `last_seq = seq - 1` after the winner
  // commits, matches nothing, and fails here with a clear error.
  const advanced = await trx
    .updateTable('rooms')
    .set({ last_seq: event.seq })
    .where('id', '=', event.room)
    .where('last_seq', '=', event.seq - 1)
    .executeTakeFirst();
  if (advanced.numUpdatedRows === 0n) {
    const room = await trx
      .selectFrom('rooms')
      .select('last_seq')
      .where('id', '=', event.room)
      .executeTakeFirst();
    throw new SeqConflictError(event.room, room && toNum(room.last_seq) + 1, event.seq);
  }
  // The primary key (room_id, seq) backs the check above should rows and last_seq ever disagree.
  await trx.insertInto('room_events').values(eventRow(event)).execute();
  await indexEvent(trx, event);
  if (event.type === 'message.edited' || event.type === 'message.deleted' || event.type === 'reaction') {
    await applyMessageEffect(trx, event);
  } else if (event.type === 'room.updated') {
    await trx
      .updateTable('rooms')
      .set({ name: event.name, topic: event.topic, visibility: event.visibility })
      .where('id', '=', event.room)
      .execute();
  } else if (event.type === 'member.updated') {
    await trx
      .updateTable('room_members')
      .set({ role: event.user.role })
      .where('room_id', '=', event.room)
      .where('user_id', '=', event.user.id)
      .execute();
  }
}

/**
 * Insert a whole log (createRoom), sorted by seq. The caller's log may already hold messages in
 * their current state; re-applying edits and deletes in seq order is idempotent and covers a log
 * that does not. room.updated is not replayed: the room row passed to createRoom is already
 * current, and older updates would roll it back.
 */
export async function insertLog(trx: Transaction<Database>, log: RoomEvent[]): Promise<void> {
  for (let i = 0; i < log.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('room_events')
      .values(log.slice(i, i + INSERT_CHUNK).map(eventRow))
      .execute();
  }
  for (const e of log) {
    await indexEvent(trx, e);
    if (e.type === 'message.edited' || e.type === 'message.deleted' || e.type === 'reaction') {
      await applyMessageEffect(trx, e);
    }
  }
}

/** See Store.readEvents. One extra row tells whether more exist beyond the page, without a count. */
export async function readPage(
  db: Kysely<Database>,
  roomId: string,
  page: EventPage,
): Promise<{ events: RoomEvent[]; more: boolean }> {
  const limit = Math.max(0, Math.floor(page.limit));
  let q = db.selectFrom('room_events').select('payload').where('room_id', '=', roomId);
  if (page.after !== undefined) q = q.where('seq', '>', page.after);
  if (page.before !== undefined) q = q.where('seq', '<', page.before);
  const forward = page.after !== undefined;
  const rows = await q
    .orderBy('seq', forward ? 'asc' : 'desc')
    .limit(limit + 1)
    .execute();
  const kept = rows.slice(0, limit).map((r) => toEvent(r.payload));
  return { events: forward ? kept : kept.reverse(), more: rows.length > limit };
}

/**
 * Rewrite the target message's payload for an edit or a delete. Runs after the room row was
 * locked by the same transaction, so nobody else rewrites the row meanwhile. A target that is
 * missing (older than what was persisted) or not a message is left alone; an edit never
 * resurrects a deleted message.
 */
async function applyMessageEffect(
  trx: Transaction<Database>,
  e: Extract<RoomEvent, { type: 'message.edited' | 'message.deleted' | 'reaction' }>,
): Promise<void> {
  const row = await trx
    .selectFrom('room_events')
    .select('payload')
    .where('room_id', '=', e.room)
    .where('seq', '=', e.target)
    .where('type', '=', 'message')
    .executeTakeFirst();
  if (!row) return;
  const target = toEvent(row.payload);
  if (target.type !== 'message' || target.deleted === true) return;
  let next: typeof target;
  if (e.type === 'reaction') {
    const reactions = applyReaction(target.reactions, e.by.id, e.emoji, e.on);
    if (reactions === target.reactions) return;
    const { reactions: _old, ...rest } = target;
    next = reactions ? { ...rest, reactions } : rest;
  } else if (e.type === 'message.edited') {
    next = { ...target, text: e.text, html: e.html, edited: e.ts };
  } else {
    // A deleted message keeps no trace of what it said: no quote, reactions or file either.
    const { reply: _r, reactions: _x, file: _f, mentions: _m, ...rest } = target;
    next = { ...rest, text: '', html: '', deleted: true };
    // History keeps who removed it: "removed by a moderator" when it was not its author.
    if (e.by.id !== target.from.id) next.removedByModerator = true;
  }
  await trx
    .updateTable('room_events')
    .set({ payload: JSON.stringify(next), deleted: next.deleted === true ? 1 : 0 })
    .where('room_id', '=', e.room)
    .where('seq', '=', e.target)
    .execute();
}
