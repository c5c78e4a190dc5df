import type { OutboundFrame } from '../transport/outbound-frame.js';
import type { Session } from './session.js';

/** Frames held for one session (per room, or while it attaches); past this, older ones are dropped. */
export const MAX_HELD = 10_000;

/** The part of RoomFanout a session's rooms need: entering and leaving a room's local delivery. */
export interface FanoutMembership {
  add(room: string, session: Session): void;
  remove(room: string, session: Session): void;
}

/** Where a session stands in one room. */
interface RoomSubscription {
  epoch: string;
  /** The seq of the last event handed to the connection; later duplicates are dropped. */
  lastSeq: number;
  /** Non-null while a reply is due first (join, removal check): live frames wait here. */
  held: OutboundFrame[] | null;
}

/** A subscription as a caller may keep it, to tell later whether it is still the current one. */
export type SubscriptionHandle = object;

/**
 * The rooms one session is in, and its place in each room's fan-out: the two change together here
 * and nowhere else, so a session never gets a room's frames without being in the room, nor is in
 * a room without getting them. Also where room frames are filtered: held during a join, dropped
 * when their seq is not newer than the last one delivered (replay-then-live exactly once).
 */
export class SessionRooms {
  readonly #session: Session;
  readonly #fanout: FanoutMembership;
  readonly #subs = new Map<string, RoomSubscription>();
  /** Hands a released frame back to the session's one outbound path. */
  readonly #redeliver: (room: string, frame: OutboundFrame) => void;

  constructor(
    session: Session,
    fanout: FanoutMembership,
    redeliver: (room: string, frame: OutboundFrame) => void,
  ) {
    this.#session = session;
    this.#fanout = fanout;
    this.#redeliver = redeliver;
  }

  get size(): number {
    return this.#subs.size;
  }

  has(room: string): boolean {
    return this.#subs.has(room);
  }

  /** The rooms, as a copy (callers leave rooms while walking it). */
  ids(): string[] {
    return [...this.#subs.keys()];
  }

  /** One room's position last delivered, if the session is in it. */
  position(room: string): { epoch: string; seq: number } | undefined {
    const sub = this.#subs.get(room);
    return sub ? { epoch: sub.epoch, seq: sub.lastSeq } : undefined;
  }

  /** Enter a room's delivery at a known position (recovery), frames not held. */
  enterAt(room: string, epoch: string, seq: number): void {
    if (this.#subs.has(room)) return;
    this.#subs.set(room, { epoch, lastSeq: seq, held: null });
    this.#fanout.add(room, this.#session);
  }

  /** Move to a position the client confirmed (a recovery replayed from there). */
  moveTo(room: string, epoch: string, seq: number): void {
    const sub = this.#subs.get(room);
    if (!sub) return;
    sub.epoch = epoch;
    sub.lastSeq = seq;
  }

  /** A join is in flight: in the room's delivery from now on, its frames held until `release`. */
  hold(room: string, epoch: string): void {
    let sub = this.#subs.get(room);
    if (!sub) {
      sub = { epoch, lastSeq: 0, held: null };
      this.#subs.set(room, sub);
      this.#fanout.add(room, this.#session);
    }
    sub.held = [];
  }

  /** The reply went out at `seq`: deliver what was held after it. */
  release(room: string, epoch: string, seq: number): void {
    const sub = this.#subs.get(room);
    if (!sub) return;
    const held = sub.held ?? [];
    sub.held = null;
    sub.epoch = epoch;
    sub.lastSeq = seq;
    for (const frame of held) this.#redeliver(room, frame);
  }

  /** Stop holding at the position the room already had (a re-join that failed). */
  resume(room: string): void {
    const sub = this.#subs.get(room);
    if (sub) this.release(room, sub.epoch, sub.lastSeq);
  }

  /**
   * Hold the room's frames while someone asks whether the session is still in it; `settle` with
   * the handle afterwards. Undefined when the session is not in the room.
   */
  suspend(room: string): SubscriptionHandle | undefined {
    const sub = this.#subs.get(room);
    if (sub) sub.held = [];
    return sub;
  }

  /** The answer to `suspend`: in again (release at its position) or out (leave). Stale handles do nothing. */
  settle(room: string, handle: SubscriptionHandle, present: boolean): void {
    const sub = this.#subs.get(room);
    if (sub !== handle) return;
    if (present) this.release(room, sub.epoch, sub.lastSeq);
    else this.leave(room);
  }

  /** Out of the room and its delivery. False when the session was not in it. */
  leave(room: string): boolean {
    if (!this.#subs.delete(room)) return false;
    this.#fanout.remove(room, this.#session);
    return true;
  }

  /**
   * Whether a room frame goes to the connection now: not when the session is not in the room, not
   * while the room's frames are held (the frame waits), not when its seq was delivered already.
   */
  admit(room: string, frame: OutboundFrame): boolean {
    const sub = this.#subs.get(room);
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
    return true;
  }
}
