import type { RoomEvent, RoomRole, Visibility } from '@presence/protocol';
import type { Insertable, Selectable } from 'kysely';
import type { RoomEventsTable, RoomMembersTable, RoomsTable } from './kysely-schema.js';
import type { StoredMember, StoredRoom } from './store.js';

/** Mapping between rows and the Store's types; the only place that knows both shapes. */

/** int8 and count(*) come back as strings from pg: parse, and refuse what a number cannot hold. */
export function toNum(v: string | number | bigint | null | undefined): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`store: not a safe integer: ${String(v)}`);
  return n;
}

export function toRoom(r: Selectable<RoomsTable>): StoredRoom {
  return {
    id: r.id,
    name: r.name,
    topic: r.topic,
    visibility: r.visibility as Visibility,
    epoch: r.epoch,
    lastSeq: toNum(r.last_seq),
    createdAt: toNum(r.created_at),
    createdBy: r.created_by,
  };
}

export function roomRow(room: StoredRoom): Insertable<RoomsTable> {
  return {
    id: room.id,
    name: room.name,
    topic: room.topic,
    visibility: room.visibility,
    epoch: room.epoch,
    last_seq: room.lastSeq,
    created_at: room.createdAt,
    created_by: room.createdBy,
  };
}

export function toMember(
  r: Pick<Selectable<RoomMembersTable>, 'user_id' | 'name' | 'avatar' | 'role' | 'joined_at'>,
): StoredMember {
  return {
    userId: r.user_id,
    name: r.name,
    avatar: r.avatar,
    role: r.role as RoomRole,
    joinedAt: toNum(r.joined_at),
  };
}

export function memberRow(roomId: string, m: StoredMember, lastRead: number): Insertable<RoomMembersTable> {
  return {
    room_id: roomId,
    user_id: m.userId,
    name: m.name,
    avatar: m.avatar,
    role: m.role,
    joined_at: m.joinedAt,
    last_read: lastRead,
  };
}

export function eventRow(e: RoomEvent): Insertable<RoomEventsTable> {
  const isMessage = e.type === 'message';
  return {
    room_id: e.room,
    seq: e.seq,
    type: e.type,
    sender_id: isMessage ? e.from.id : null,
    nonce: isMessage ? (e.nonce ?? null) : null,
    ts: e.ts,
    payload: JSON.stringify(e),
    deleted: isMessage && e.deleted === true ? 1 : 0,
  };
}

/** Payloads are written only by this store from validated events, so they are trusted here. */
export function toEvent(payload: string): RoomEvent {
  return JSON.parse(payload) as RoomEvent;
}
