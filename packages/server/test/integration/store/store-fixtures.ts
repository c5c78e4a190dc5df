import type { RoomEvent, RoomRole, UserRef } from '@presence/protocol';
import type { Store, StoredMember, StoredRoom } from '../../../src/store/store.js';

/** Builders for the contract tests: small, explicit, deterministic timestamps. */

export const EPOCH = 'ep1';
export const T0 = 1_700_000_000_000;

export const alice: UserRef = { id: 'alice@chat.example.org', name: 'Alice', avatar: '/avatars/alice.png' };
export const bob: UserRef = { id: 'bob@chat.example.org', name: 'Bob', avatar: '/avatars/bob.png' };
export const carol: UserRef = { id: 'carol@other.example.net', name: 'Carol', avatar: '/avatars/carol.png' };

export function room(id: string, over: Partial<StoredRoom> = {}): StoredRoom {
  return {
    id,
    name: `Room ${id}`,
    topic: '',
    visibility: 'public',
    epoch: EPOCH,
    lastSeq: 0,
    createdAt: T0,
    createdBy: alice.id,
    ...over,
  };
}

export function member(u: UserRef, role: RoomRole = 'member', joinedAt = T0): StoredMember {
  return { userId: u.id, name: u.name, avatar: u.avatar, role, joinedAt };
}

export function msg(
  roomId: string,
  seq: number,
  from: UserRef = alice,
  text = `m${seq}`,
  nonce?: string,
): RoomEvent {
  return {
    type: 'message',
    room: roomId,
    epoch: EPOCH,
    seq,
    ts: T0 + seq,
    from,
    text,
    html: `<p>${text}</p>`,
    ...(nonce !== undefined ? { nonce } : {}),
  };
}

export function joined(roomId: string, seq: number, u: UserRef): RoomEvent {
  return {
    type: 'member.joined',
    room: roomId,
    epoch: EPOCH,
    seq,
    ts: T0 + seq,
    user: { ...u, role: 'member', online: true },
  };
}

export function edited(roomId: string, seq: number, target: number, text: string): RoomEvent {
  return {
    type: 'message.edited',
    room: roomId,
    epoch: EPOCH,
    seq,
    ts: T0 + seq,
    by: alice,
    target,
    text,
    html: `<p>${text}</p>`,
  };
}

export function deleted(roomId: string, seq: number, target: number): RoomEvent {
  return { type: 'message.deleted', room: roomId, epoch: EPOCH, seq, ts: T0 + seq, by: alice, target };
}

export function updated(
  roomId: string,
  seq: number,
  patch: { name: string | null; topic: string; visibility: 'public' | 'private' },
): RoomEvent {
  return {
    type: 'room.updated',
    room: roomId,
    epoch: EPOCH,
    seq,
    ts: T0 + seq,
    by: alice,
    persistent: patch.name !== null,
    ...patch,
  };
}

/** A stored room with alice (owner) and `others` as members, then `n` messages appended. */
export async function seedRoom(
  store: Store,
  roomId: string,
  n: number,
  others: UserRef[] = [],
): Promise<void> {
  await store.createRoom(
    room(roomId),
    [member(alice, 'owner'), ...others.map((u, i) => member(u, 'member', T0 + 1 + i))],
    [],
  );
  for (let seq = 1; seq <= n; seq++) await store.appendEvent(msg(roomId, seq));
}

export function seqs(events: RoomEvent[]): number[] {
  return events.map((e) => e.seq);
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}
