// Protocol v2 sends a live chat message lean (docs/protocol.md, "Lean messages"): the sender by id,
// no epoch, no html when it is the escaped text. The client fills those back in from what it knows
// of the room, so applications see the same `message` event shape as in v1.
import type { RoomEvent, UserRef } from '@presence/protocol';
import { escapeText } from '@presence/protocol/escape-text';

type MessageEvent = Extract<RoomEvent, { type: 'message' }>;
import { isRecord } from './wire.js';

/** The fields of a member the client keeps: what a message's sender needs. */
function refOf(value: unknown): UserRef | undefined {
  if (!isRecord(value)) return undefined;
  const { id, name, avatar } = value;
  return typeof id === 'string' && typeof name === 'string' && typeof avatar === 'string'
    ? { id, name, avatar }
    : undefined;
}

/** Who is in each joined room, as the join snapshot and member events say. */
export class RoomMembers {
  readonly #rooms = new Map<string, Map<string, UserRef>>();
  /**
   * Each joined room's epoch from its snapshot: a lean message needs it even while the position
   * tracker has let go of the room (a recovery it could not continue, before the app rejoins).
   */
  readonly #epochs = new Map<string, string>();
  #domain = '';

  #self: UserRef | undefined;

  /**
   * What the welcome says: the server's domain (lean senders of this domain come without
   * `@domain`), who this session is (its own echo needs no snapshot), and the epoch of every room
   * the session is in (a client resuming a session it did not join the rooms of, e.g. a new
   * instance with a stored token, gets lean messages before any room.join).
   */
  welcome(w: {
    server: { domain: string };
    userId: string;
    name: string;
    avatar: string;
    rooms: { room: string; epoch: string | null }[];
  }): void {
    this.#domain = w.server.domain;
    this.#self = { id: w.userId, name: w.name, avatar: w.avatar };
    for (const r of w.rooms)
      if (typeof r.epoch === 'string' && !this.#epochs.has(r.room)) this.#epochs.set(r.room, r.epoch);
  }

  /** A room.join / room.create result: the snapshot replaces what was known. */
  snapshot(room: string, epoch: string, members: unknown): void {
    this.#epochs.set(room, epoch);
    const map = new Map<string, UserRef>();
    if (Array.isArray(members)) {
      for (const m of members) {
        const ref = refOf(m);
        if (ref) map.set(ref.id, ref);
      }
    }
    this.#rooms.set(room, map);
  }

  forget(room: string): void {
    this.#rooms.delete(room);
    this.#epochs.delete(room);
  }

  /** member.joined / member.updated keep the names current; member.left keeps the name for late messages. */
  handle(event: Record<string, unknown>): void {
    const type = event['type'];
    if (type !== 'member.joined' && type !== 'member.updated') return;
    const ref = refOf(event['user']);
    const room = this.#rooms.get(String(event['room']));
    if (ref && room) room.set(ref.id, ref);
  }

  /**
   * A lean message with its sender, epoch and html filled in (`epoch` from the room's tracked
   * position); a full message is returned as it is.
   */
  hydrate(
    message: Record<string, unknown>,
    epochOf: (room: string) => string | undefined,
  ): Record<string, unknown> {
    const from = message['from'];
    if (typeof from !== 'string') return message;
    const room = String(message['room']);
    const id = from.includes('@') || this.#domain === '' ? from : `${from}@${this.#domain}`;
    const self = this.#self?.id === id ? this.#self : undefined;
    const sender: UserRef = this.#rooms.get(room)?.get(id) ??
      self ?? {
        id,
        name: id.split('@')[0] ?? id,
        avatar: `/avatars/${encodeURIComponent(id)}.svg`,
      };
    const text = typeof message['text'] === 'string' ? message['text'] : '';
    const full: Partial<MessageEvent> & Record<string, unknown> = {
      ...message,
      from: sender,
      html: typeof message['html'] === 'string' ? message['html'] : `<p>${escapeText(text)}</p>`,
    };
    if (typeof message['epoch'] !== 'string') {
      const epoch = epochOf(room) ?? this.#epochs.get(room);
      if (epoch !== undefined) full.epoch = epoch;
    }
    return full;
  }
}
