import type { Member, RoomInfo, RoomRole, UserRef, Visibility } from '@presence/protocol';
import { SerialQueue } from '../shared/serial-queue.js';

export interface RoomMember {
  ref: UserRef;
  role: RoomRole;
  joinedAt: number;
  /** Sessions of this user that are in the room now (grace period included). */
  sessions: Set<string>;
  /** Read marker for ephemeral rooms (persistent rooms keep it in the store). */
  lastRead: number;
}

/**
 * Told whenever a loaded room's member list gains or loses a user, whichever service changed it,
 * and when the room is unloaded (presence visibility follows co-membership of loaded rooms).
 * Observers must not throw.
 */
export interface MembershipObserver {
  joined(room: Room, userId: string): void;
  left(room: Room, userId: string): void;
  unloaded(room: Room): void;
}

/**
 * The member list. Every addition and removal is reported here, in the one place all services
 * go through, so that no future code path can change membership without observers hearing of it.
 */
class MemberMap extends Map<string, RoomMember> {
  readonly #room: Room;
  readonly #observer: MembershipObserver;

  constructor(room: Room, observer: MembershipObserver) {
    super();
    this.#room = room;
    this.#observer = observer;
  }

  override set(userId: string, member: RoomMember): this {
    const added = !this.has(userId);
    super.set(userId, member);
    if (added) this.#observer.joined(this.#room, userId);
    return this;
  }

  override delete(userId: string): boolean {
    const had = super.delete(userId);
    if (had) this.#observer.left(this.#room, userId);
    return had;
  }
}

/** A room loaded in this process's memory. Persistent rooms mirror their store row. */
export class Room {
  readonly id: string;
  name: string | null;
  topic: string;
  visibility: Visibility;
  persistent: boolean;
  readonly epoch: string;
  /** The seq of the latest event; the next event gets seq + 1. */
  seq: number;
  readonly createdAt: number;
  readonly createdBy: string;
  readonly members: Map<string, RoomMember>;
  /** Every seq-assigning operation runs through this queue. */
  readonly queue = new SerialQueue();
  /** Recent nonces per sender, so a resent message is acknowledged once and stored once. */
  readonly nonces = new Map<string, { seq: number; ts: number }>();
  /** When each user last had a typing start fanned out (throttling). */
  readonly typingAt = new Map<string, number>();

  readonly #hidden: (userId: string) => boolean;

  constructor(
    init: {
      id: string;
      name: string | null;
      topic: string;
      visibility: Visibility;
      persistent: boolean;
      epoch: string;
      seq: number;
      createdAt: number;
      createdBy: string;
    },
    observer?: MembershipObserver,
    hidden: (userId: string) => boolean = () => false,
  ) {
    this.members = observer ? new MemberMap(this, observer) : new Map<string, RoomMember>();
    this.#hidden = hidden;
    this.id = init.id;
    this.name = init.name;
    this.topic = init.topic;
    this.visibility = init.visibility;
    this.persistent = init.persistent;
    this.epoch = init.epoch;
    this.seq = init.seq;
    this.createdAt = init.createdAt;
    this.createdBy = init.createdBy;
  }

  /** True while any session is in the room. */
  get occupied(): boolean {
    for (const m of this.members.values()) if (m.sessions.size > 0) return true;
    return false;
  }

  info(): RoomInfo {
    return {
      id: this.id,
      name: this.name,
      topic: this.topic,
      visibility: this.visibility,
      persistent: this.persistent,
      epoch: this.epoch,
      seq: this.seq,
      createdAt: this.createdAt,
      memberCount: this.members.size,
    };
  }

  /**
   * Whether others see the member in the room now: a session is in it and the user does not appear
   * offline (hidden must look exactly like offline in every field, here too).
   */
  shownOnline(m: RoomMember): boolean {
    return m.sessions.size > 0 && !this.#hidden(m.ref.id);
  }

  /** The user appears offline (presence's hidden flag) whether or not they are connected. */
  isHidden(userId: string): boolean {
    return this.#hidden(userId);
  }

  memberView(m: RoomMember): Member {
    return { ...m.ref, role: m.role, online: this.shownOnline(m) };
  }

  memberList(): Member[] {
    return [...this.members.values()].map((m) => this.memberView(m));
  }

  rememberNonce(senderId: string, nonce: string, seq: number, ts: number): void {
    const key = `${senderId}\n${nonce}`;
    this.nonces.set(key, { seq, ts });
    // Bounded: the store (persistent rooms) remembers beyond this; ephemeral rooms forget old ones.
    if (this.nonces.size > 2_000) {
      const oldest = this.nonces.keys().next().value;
      if (oldest !== undefined) this.nonces.delete(oldest);
    }
  }

  findNonce(senderId: string, nonce: string): { seq: number; ts: number } | undefined {
    return this.nonces.get(`${senderId}\n${nonce}`);
  }
}
