import type { UserRef } from '@presence/protocol';
import type { Connection } from '../transport/connection.js';
import type { OutboundFrame } from '../transport/outbound-frame.js';

/** Frames held for one session while it is (re)attaching; past this, older ones are dropped. */
const MAX_HELD = 10_000;

/** Room events are serialized with `type` first (RoomLog), so a prefix finds the rare member.left. */
const MEMBER_LEFT = '{"type":"member.left"';

/**
 * The user a frame removes from its room, or null. A broadcast hands the same frame to every session
 * in turn, so the answer for the last frame is kept: one prefix test per frame, not per recipient
 * (even startsWith showed up in profiles when run a thousand times per message).
 */
let lastFrame: OutboundFrame | undefined;
let lastRemoved: unknown = null;

function removedUser(frame: OutboundFrame): unknown {
  if (frame === lastFrame) return lastRemoved;
  let removed: unknown = null;
  if (frame.seq !== null && frame.json.startsWith(MEMBER_LEFT)) {
    const event = JSON.parse(frame.json) as { reason?: unknown; user?: { id?: unknown } };
    if (event.reason === 'removed') removed = event.user?.id ?? null;
  }
  lastFrame = frame;
  lastRemoved = removed;
  return removed;
}

/** Where a session stands in one room. */
export interface RoomSubscription {
  epoch: string;
  /** The seq of the last event handed to the connection; later duplicates are dropped. */
  lastSeq: number;
  /** Non-null while joining: live frames wait here until the join reply has gone out. */
  held: OutboundFrame[] | null;
}

/**
 * A user's session: outlives its connection by the grace period so a reconnect can resume it.
 * Delivery de-duplicates by seq, which is what makes replay-then-live exactly once.
 */
export class Session {
  readonly id: string;
  user: UserRef;
  conn: Connection | undefined;
  readonly rooms = new Map<string, RoomSubscription>();
  graceTimer: NodeJS.Timeout | undefined;
  /** False until a connection first attaches: tells a resume from a first attach. */
  everAttached = false;
  /** True after presence.subscribe: this session receives `presence` events. */
  presenceSubscribed = false;
  /** Device facts for presence (set by presence.set and hello). */
  device: {
    type: 'desktop' | 'mobile' | 'web' | 'bot';
    state: 'chatty' | 'online' | 'busy' | 'away';
    idleSince: number | null;
  } = {
    type: 'web',
    state: 'online',
    idleSince: null,
  };
  /** Stops this session's directed-message subscription (set by whoever subscribed it). */
  unsubscribeDirect: (() => void) | undefined;
  /**
   * Called when this session was handed the event removing its user from a room (set by the
   * SessionManager, which takes it out of the room's delivery if the room agrees it is out).
   */
  onRemoved: ((room: string) => void) | undefined;
  /** Non-null while hello is being processed: everything waits until the welcome is out. */
  #pending: { room: string; frame: OutboundFrame }[] | null = null;
  /** Frames addressed to the user (not a room) that arrived while hello was being processed. */
  #pendingToUser: OutboundFrame[] = [];

  constructor(id: string, user: UserRef) {
    this.id = id;
    this.user = user;
  }

  get actor(): { user: UserRef; sessionId: string; address?: string } {
    return { user: this.user, sessionId: this.id, ...(this.conn && { address: this.conn.remoteAddress }) };
  }

  /** Hand a room frame to the connection, unless it is a duplicate or must wait. */
  deliver(room: string, frame: OutboundFrame): boolean {
    if (this.#pending) {
      if (this.#pending.length >= MAX_HELD) this.#pending.shift();
      this.#pending.push({ room, frame });
      return false;
    }
    const sub = this.rooms.get(room);
    if (!sub) return false;
    if (sub.held) {
      if (sub.held.length >= MAX_HELD) sub.held.shift();
      sub.held.push(frame);
      return false;
    }
    if (frame.seq !== null) {
      if (frame.seq <= sub.lastSeq) return false;
      sub.lastSeq = frame.seq;
    }
    const sent = this.conn?.send(frame) ?? false;
    // Checked here, in delivery order after holds and de-duplication, not when the event was
    // published: a join that overtook the removal has already moved lastSeq past it.
    if (removedUser(frame) === this.user.id) this.onRemoved?.(room);
    return sent;
  }

  /**
   * Hand a frame addressed to the user rather than a room (contact events, direct messages) to the
   * connection. While hello is being processed it waits for the welcome, since a client must see
   * the welcome first. True when written or waiting; false without a connection (grace period).
   */
  sendToUser(frame: OutboundFrame): boolean {
    if (!this.conn) return false;
    if (this.#pending) {
      if (this.#pendingToUser.length >= MAX_HELD) this.#pendingToUser.shift();
      this.#pendingToUser.push(frame);
      return true;
    }
    return this.conn.send(frame);
  }

  /** Start holding a room's frames (a join is in flight). */
  hold(room: string, epoch: string): RoomSubscription {
    const sub: RoomSubscription = this.rooms.get(room) ?? { epoch, lastSeq: 0, held: null };
    sub.held = [];
    this.rooms.set(room, sub);
    return sub;
  }

  /** The join reply went out at `seq`: deliver what was held after it. */
  release(room: string, epoch: string, seq: number): void {
    const sub = this.rooms.get(room);
    if (!sub) return;
    const held = sub.held ?? [];
    sub.held = null;
    sub.epoch = epoch;
    sub.lastSeq = seq;
    for (const frame of held) this.deliver(room, frame);
  }

  beginAttach(): void {
    this.#pending = [];
  }

  /**
   * The welcome is out: deliver the replayed events first, then what arrived live meanwhile
   * (de-duplicated by seq against the replay). Safe to call twice.
   */
  endAttach(replays: { room: string; frames: OutboundFrame[] }[] = []): void {
    const pending = this.#pending ?? [];
    this.#pending = null;
    for (const { room, frames } of replays) for (const frame of frames) this.deliver(room, frame);
    for (const { room, frame } of pending) this.deliver(room, frame);
    const toUser = this.#pendingToUser;
    this.#pendingToUser = [];
    for (const frame of toUser) this.conn?.send(frame);
  }
}
