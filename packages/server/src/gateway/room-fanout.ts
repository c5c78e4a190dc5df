import type { Broker, BrokerMessage } from '../broker/broker.js';
import { FrameRun } from '../transport/frame-run.js';
import { OutboundFrame } from '../transport/outbound-frame.js';
import type { Session } from './session.js';

/** A room's local sessions: the set for membership, an array snapshot for the hot loop. */
interface RoomEntry {
  sessions: Set<Session>;
  /** The sessions as an array, rebuilt on the first delivery after a change (null while stale). */
  snapshot: Session[] | null;
  /** This tick's frames of the room, coalesced per connection (see FrameRun); null between ticks. */
  run: FrameRun | null;
  /** The same for the lean frames of `v: 2` sessions. */
  leanRun: FrameRun | null;
  unsubscribe: () => void;
}

/**
 * This node's side of fan-out: which local sessions are in which room. One broker subscription per
 * room per node; each message becomes one OutboundFrame (serialized and framed once) that every
 * local session in the room writes as the same bytes.
 */
export class RoomFanout {
  readonly #broker: Broker;
  readonly #rooms = new Map<string, RoomEntry>();
  readonly #onDelivered: (count: number) => void;
  /** Rooms whose run is open in this tick; one nextTick closes them all. */
  #openRuns: RoomEntry[] = [];

  constructor(broker: Broker, onDelivered: (count: number) => void) {
    this.#broker = broker;
    this.#onDelivered = onDelivered;
  }

  add(room: string, session: Session): void {
    let entry = this.#rooms.get(room);
    if (!entry) {
      const created: RoomEntry = {
        sessions: new Set(),
        snapshot: null,
        run: null,
        leanRun: null,
        unsubscribe: () => undefined,
      };
      created.unsubscribe = this.#broker.subscribe(room, (m) => this.#deliver(m, created));
      entry = created;
      this.#rooms.set(room, entry);
    }
    if (entry.sessions.has(session)) return;
    entry.sessions.add(session);
    entry.snapshot = null;
  }

  /** This node's sessions in the room, as actors (a cluster's census after a room moved). */
  actorsIn(room: string): { user: Session['user']; sessionId: string }[] {
    return [...(this.#rooms.get(room)?.sessions ?? [])].map((s) => s.actor);
  }

  remove(room: string, session: Session): void {
    const entry = this.#rooms.get(room);
    if (!entry || !entry.sessions.delete(session)) return;
    entry.snapshot = null;
    if (entry.sessions.size === 0) {
      entry.unsubscribe();
      this.#rooms.delete(room);
    }
  }

  #deliver(message: BrokerMessage, entry: RoomEntry): void {
    const frame = new OutboundFrame(message.json, message.seq);
    this.#runOf(entry).add(frame);
    if (message.lean !== undefined) {
      const lean = new OutboundFrame(message.lean, message.seq);
      this.#leanRunOf(entry).add(lean);
      frame.lean = lean;
    }
    // An array walks faster than a Set, and a snapshot stays valid if the loop changes membership
    // (a session taken out meanwhile has already left its `rooms`, so it drops the frame itself).
    // Rebuilding costs one pass over the room, no more than the delivery itself.
    const sessions = (entry.snapshot ??= [...entry.sessions]);
    const room = message.room;
    let sent = 0;
    for (let i = 0; i < sessions.length; i++) if ((sessions[i] as Session).deliver(room, frame)) sent++;
    this.#onDelivered(sent);
  }

  /**
   * The room's run for this tick. Closed at the end of the tick, so an idle room holds no frames
   * and each tick's recipients share one range (one concatenation).
   */
  #runOf(entry: RoomEntry): FrameRun {
    if (entry.run !== null && !entry.run.full) return entry.run;
    if (entry.run === null && this.#openRuns.push(entry) === 1) process.nextTick(this.#closeRuns);
    entry.run = new FrameRun();
    return entry.run;
  }

  /** The room's run of lean frames for this tick, closed with the other. */
  #leanRunOf(entry: RoomEntry): FrameRun {
    if (entry.leanRun !== null && !entry.leanRun.full) return entry.leanRun;
    if (entry.run === null && entry.leanRun === null && this.#openRuns.push(entry) === 1)
      process.nextTick(this.#closeRuns);
    entry.leanRun = new FrameRun();
    return entry.leanRun;
  }

  readonly #closeRuns = (): void => {
    const open = this.#openRuns;
    this.#openRuns = [];
    for (const entry of open) {
      entry.run = null;
      entry.leanRun = null;
    }
  };
}
