import type { UserRef } from '@presence/protocol';
import type { Actor } from '../shared/actor.js';
import type { Connection } from '../transport/connection.js';
import type { OutboundFrame } from '../transport/outbound-frame.js';
import { MAX_HELD, SessionRooms, type FanoutMembership } from './session-rooms.js';

/** Room events are serialized with `type` first (RoomLog), so a prefix finds the rare member.left. */
const MEMBER_LEFT = '{"type":"member.left"';
/** The transient event that ends a deleted room for everyone in it. */
const ROOM_DELETED = '{"type":"room.deleted"';

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
  // A frame with a lean shape is a chat message: no prefix test, which would flatten its JSON (a
  // string concatenated from parts that v2-only rooms never otherwise read).
  if (frame.seq !== null && frame.lean === null && frame.json.startsWith(MEMBER_LEFT)) {
    const event = JSON.parse(frame.json) as { reason?: unknown; user?: { id?: unknown } };
    if (event.reason === 'removed') removed = event.user?.id ?? null;
  }
  lastFrame = frame;
  lastRemoved = removed;
  return removed;
}

/** A session's device facts, for presence (set by presence.set). */
export interface DeviceFacts {
  type: 'desktop' | 'mobile' | 'web' | 'bot';
  state: 'chatty' | 'online' | 'busy' | 'away';
  idleSince: number | null;
}

const DEFAULT_DEVICE: Readonly<DeviceFacts> = Object.freeze({
  type: 'web',
  state: 'online',
  idleSince: null,
});

/**
 * What goes out to a session, by path: room events (filtered per room), presence events, frames
 * addressed to the user (contact events, direct messages) and WebRTC signals.
 */
type Outbound =
  | { path: 'room'; room: string; frame: OutboundFrame }
  | { path: 'presence' | 'user' | 'signal'; frame: OutboundFrame };

/**
 * A user's session: outlives its connection by the grace period so a reconnect can resume it.
 *
 * Every frame for the session takes one road to the connection (`#route`), with one rule in this
 * order: while hello is processed everything waits, in arrival order, until the welcome is out;
 * then a path whose reply is due first waits for it (a room during a join, presence during a
 * subscribe); then room frames are de-duplicated by seq; then the frame is written to the
 * connection, whose own bounded buffer is the one back-pressure rule (past maxQueueBytes the
 * socket is closed as SLOW_CONSUMER). Without a connection (grace period) nothing is written.
 */
export class Session {
  readonly #id: string;
  readonly #user: UserRef;
  readonly rooms: SessionRooms;
  #conn: Connection | undefined;
  #actor: Actor | undefined;
  /** The connection #actor was built for. */
  #actorConn: Connection | undefined;
  #graceTimer: NodeJS.Timeout | undefined;
  /** False until a connection first attaches: tells a resume from a first attach. */
  #everAttached = false;
  /** Shared until set (setDevice makes a new object): one less object per idle session. */
  #device: Readonly<DeviceFacts> = DEFAULT_DEVICE;
  /** Told when this session was handed the event removing its user from a room. */
  readonly #onRemoved: (room: string) => void;
  /** Non-null while hello is being processed: everything waits until the welcome is out. */
  #attaching: Outbound[] | null = null;
  /** Non-null while a presence.subscribe reply is due: presence events wait for it. */
  #presenceHeld: OutboundFrame[] | null = null;
  /** The protocol version of the latest hello: 2 and up write a frame's lean shape when it has one. */
  version = 1;

  constructor(deps: {
    id: string;
    user: UserRef;
    /** The room fan-out the session's rooms enter and leave (SessionRooms keeps them in step). */
    fanout: FanoutMembership;
    /**
     * Called when this session was handed the event removing its user from a room (the
     * SessionManager takes it out of the room's delivery if the room agrees it is out).
     */
    onRemoved: (session: Session, room: string) => void;
  }) {
    this.#id = deps.id;
    this.#user = deps.user;
    this.rooms = new SessionRooms(this, deps.fanout, (room, frame) =>
      this.#route({ path: 'room', room, frame }),
    );
    this.#onRemoved = (room) => deps.onRemoved(this, room);
  }

  get id(): string {
    return this.#id;
  }

  get user(): UserRef {
    return this.#user;
  }

  /**
   * Who acts through this session: built once per connection (every request asks for it), anew
   * when the connection or its address changed. Callers must not change it.
   */
  get actor(): Actor {
    const conn = this.#conn;
    const cached = this.#actor;
    if (cached !== undefined && this.#actorConn === conn && cached.address === conn?.remoteAddress) {
      return cached;
    }
    const actor: Actor =
      conn === undefined
        ? { user: this.#user, sessionId: this.#id }
        : { user: this.#user, sessionId: this.#id, address: conn.remoteAddress };
    this.#actor = actor;
    this.#actorConn = conn;
    return actor;
  }

  get connected(): boolean {
    return this.#conn !== undefined;
  }

  get device(): Readonly<DeviceFacts> {
    return this.#device;
  }

  setDevice(patch: Partial<DeviceFacts>): void {
    this.#device = { ...this.#device, ...patch };
  }

  /**
   * Take a connection (cancelling the grace period). Returns the connection it replaces, if any,
   * and whether this is a resume (the session had a connection before).
   */
  attach(conn: Connection): { previous: Connection | undefined; resumed: boolean } {
    this.cancelGrace();
    const previous = this.#conn;
    const resumed = this.#everAttached;
    this.#conn = conn;
    this.#everAttached = true;
    return { previous: previous === conn ? undefined : previous, resumed };
  }

  /** The connection is gone; `onExpire` runs after `graceMs` unless a connection attaches. False if `conn` is not ours. */
  detach(conn: Connection, graceMs: number, onExpire: () => void): boolean {
    if (this.#conn !== conn) return false;
    this.#conn = undefined;
    this.cancelGrace();
    this.#graceTimer = setTimeout(onExpire, graceMs);
    this.#graceTimer.unref();
    return true;
  }

  /** Let go of the connection (returned, for the caller to close); no grace timer is started. */
  release(): Connection | undefined {
    const conn = this.#conn;
    this.#conn = undefined;
    this.cancelGrace();
    return conn;
  }

  cancelGrace(): void {
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
  }

  /** A room event: to the connection unless it is a duplicate or must wait. */
  deliver(room: string, frame: OutboundFrame): boolean {
    return this.#route({ path: 'room', room, frame });
  }

  /**
   * A frame addressed to the user rather than a room (contact events, direct messages). True when
   * written or waiting; false without a connection (grace period).
   */
  sendToUser(frame: OutboundFrame): boolean {
    return this.#route({ path: 'user', frame });
  }

  /** A presence event (the session subscribed). True when written or waiting. */
  sendPresence(frame: OutboundFrame): boolean {
    return this.#route({ path: 'presence', frame });
  }

  /**
   * A WebRTC signal from a call peer. Dropped without a connection: signaling is stale by the time
   * a client is back, and it restarts ICE anyway.
   */
  sendSignal(frame: OutboundFrame): boolean {
    return this.#route({ path: 'signal', frame });
  }

  /** A presence.subscribe reply is due: presence events wait until `releasePresence`. */
  holdPresence(): void {
    this.#presenceHeld ??= [];
  }

  /** The subscribe reply is out: what arrived meanwhile follows it. */
  releasePresence(): void {
    const held = this.#presenceHeld ?? [];
    this.#presenceHeld = null;
    for (const frame of held) this.#route({ path: 'presence', frame });
  }

  /** Unsubscribed before the reply went out: what was held is dropped. */
  discardPresence(): void {
    this.#presenceHeld = null;
  }

  beginAttach(): void {
    this.#attaching = [];
  }

  /**
   * The welcome is out: deliver the replayed events first, then what arrived meanwhile, in the
   * order it arrived (room events de-duplicated by seq against the replay). Safe to call twice.
   */
  endAttach(replays: { room: string; frames: OutboundFrame[] }[] = []): void {
    const waiting = this.#attaching ?? [];
    this.#attaching = null;
    for (const { room, frames } of replays) for (const frame of frames) this.deliver(room, frame);
    for (const out of waiting) this.#route(out);
  }

  /** The one road to the connection (see the class comment for the rule). */
  #route(out: Outbound): boolean {
    if (this.#attaching) {
      if (this.#attaching.length >= MAX_HELD) this.#attaching.shift();
      this.#attaching.push(out);
      // A room frame counts when written; the others when written or waiting.
      return out.path !== 'room';
    }
    if (out.path === 'room') {
      if (!this.rooms.admit(out.room, out.frame)) return false;
      const lean = out.frame.lean;
      const sent = this.#write(lean !== null && this.version >= 2 ? lean : out.frame);
      // Checked here, in delivery order after holds and de-duplication, not when the event was
      // published: a join that overtook the removal has already moved lastSeq past it.
      if (removedUser(out.frame) === this.#user.id) this.#onRemoved(out.room);
      else if (out.frame.seq === null && out.frame.json.startsWith(ROOM_DELETED)) this.#onRemoved(out.room);
      return sent;
    }
    if (out.path === 'presence' && this.#presenceHeld) {
      // A reply is written within the same tick as the subscribe, so this stays small.
      if (this.#presenceHeld.length >= MAX_HELD) this.#presenceHeld.shift();
      this.#presenceHeld.push(out.frame);
      return false;
    }
    return this.#write(out.frame);
  }

  #write(frame: OutboundFrame): boolean {
    return this.#conn?.send(frame) ?? false;
  }
}
