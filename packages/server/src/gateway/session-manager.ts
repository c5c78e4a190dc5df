import { randomUUID } from 'node:crypto';
import {
  PROTOCOL_VERSIONS,
  PresenceError,
  type RequestOf,
  type RoomPosition,
  type RoomRecovery,
  type UserRef,
  type Welcome,
} from '@presence/protocol';
import { defaultGuestName, newGuestId, userRef } from '../identity/guests.js';
import type { IdentityService } from '../identity/identity-service.js';
import type { Logger } from '../ops/logger.js';
import type { RoomOps } from '../routing/room-ops.js';
import type { Connection } from '../transport/connection.js';
import { OutboundFrame } from '../transport/outbound-frame.js';
import type { RoomFanout } from './room-fanout.js';
import { Session } from './session.js';
import type { Actor } from '../shared/actor.js';

export interface SessionOptions {
  domain: string;
  version: string;
  sessionGraceMs: number;
  heartbeatIntervalMs: number;
  /**
   * Put in front of every session id this node makes: in a cluster it names the node (instance),
   * so other nodes can tell which sessions died with it.
   */
  sessionIdPrefix?: string;
  heartbeatTimeoutMs: number;
  maxFrameBytes: number;
  maxTextLength: number;
  historyPageMax: number;
  /** The gateway's per-connection budget, announced in the welcome so clients can pace themselves. */
  rateLimitPerSecond: number;
  rateLimitBurst: number;
}

/**
 * Observers of session lifecycles (calls, directed messages). Hooks must not throw; async work is
 * theirs to await or not.
 */
export interface SessionHooks {
  created?(session: Session): void;
  /** A connection took the session (a new session, or a resumed one). */
  attached?(session: Session, resumed: boolean): void;
  /** The connection is gone; the grace period starts. */
  detached?(session: Session): void;
  /** The session is over (grace expired), before it leaves its rooms. */
  ending?(session: Session): Promise<void> | void;
  ended?(session: Session): void;
}

/**
 * Sessions of this node: hello (new, resumed or re-identified by token), recovery by position,
 * detaching on disconnect and expiry after the grace period.
 */
export class SessionManager {
  readonly #sessions = new Map<string, Session>();
  readonly #hooks: SessionHooks[] = [];
  readonly #options: SessionOptions;
  readonly #identity: IdentityService;
  readonly #ops: RoomOps;
  readonly #fanout: RoomFanout;
  readonly #log: Logger;
  readonly #onCountChange: (n: number) => void;

  constructor(deps: {
    options: SessionOptions;
    identity: IdentityService;
    /** Room operations (recovery, leaving on expiry), wherever the room lives. */
    ops: RoomOps;
    fanout: RoomFanout;
    log: Logger;
    onCountChange: (n: number) => void;
  }) {
    this.#options = deps.options;
    this.#identity = deps.identity;
    this.#ops = deps.ops;
    this.#fanout = deps.fanout;
    this.#log = deps.log;
    this.#onCountChange = deps.onCountChange;
  }

  get size(): number {
    return this.#sessions.size;
  }

  addHooks(hooks: SessionHooks): void {
    this.#hooks.push(hooks);
  }

  /**
   * Answer a hello on `conn`: find or create the session, attach it, recover the listed rooms,
   * send the welcome, then the replayed events, then whatever arrived live meanwhile.
   */
  async hello(conn: Connection, request: RequestOf<'hello'>): Promise<Session> {
    if (!(PROTOCOL_VERSIONS as readonly number[]).includes(request.v)) {
      throw new PresenceError(
        'UNSUPPORTED_VERSION',
        `This server speaks protocol versions ${PROTOCOL_VERSIONS.join(' and ')}.`,
      );
    }
    let resumeError: Welcome['resumeError'];
    let session: Session | undefined;
    let resumed = false;
    // Carried by the tokens issued to users with a stored account; null for guests.
    let tokenVersion: number | null = null;
    if (request.token !== undefined) {
      // A Presence session token, or a token from the host's account system (identity-service.ts).
      const identity = await this.#identity.authenticate(request.token);
      if (!identity) {
        resumeError = { code: 'UNAUTHORIZED', message: 'The session token is forged, expired or malformed.' };
      } else {
        tokenVersion = identity.tokenVersion;
        const existing = identity.sessionId === null ? undefined : this.#sessions.get(identity.sessionId);
        if (existing && existing.user.id === identity.user.id) {
          session = existing;
          resumed = true;
        } else if (identity.kind === 'guest') {
          session = this.#create(identity.user.id, request.name ?? identity.user.name);
        } else {
          // Accounts are named by the store (or the host's token), not by hello.
          session = this.#create(identity.user.id, identity.user.name, identity.user.avatar);
        }
      }
    }
    session ??= this.#create(null, request.name);
    session.version = request.v;
    this.#attach(session, conn);
    session.beginAttach();
    try {
      const positions = this.#positions(request.rooms ?? []);
      const recoveries: RoomRecovery[] = [];
      const replays: { room: string; frames: OutboundFrame[] }[] = [];
      // Positions that came with a refused token belong to someone we could not identify.
      if (resumeError) {
        for (const p of positions) {
          recoveries.push({ room: p.room, recovered: false, epoch: null, seq: 0, code: 'UNAUTHORIZED' });
        }
        positions.length = 0;
      }
      for (const position of positions) {
        const result = await this.#recoverRoom(session, position);
        recoveries.push(result.recovery);
        if (result.frames.length > 0) replays.push({ room: position.room, frames: result.frames });
      }
      for (const room of this.#unlisted(session, positions))
        recoveries.push(await this.#unknownPosition(session, room));
      // A fresh token each welcome rather than one kept per session: tokens are stateless and
      // cheap to sign, and an idle session then holds no ~300-byte string (memory per connection).
      const token = await this.#identity.issue(session.user, session.id, tokenVersion);
      const welcome: Welcome = {
        type: 'welcome',
        id: request.id,
        v: request.v,
        sessionId: session.id,
        userId: session.user.id,
        name: session.user.name,
        avatar: session.user.avatar,
        token,
        resumed,
        ...(resumeError ? { resumeError } : {}),
        rooms: recoveries,
        heartbeat: {
          intervalMs: this.#options.heartbeatIntervalMs,
          timeoutMs: this.#options.heartbeatTimeoutMs,
        },
        limits: {
          maxFrameBytes: this.#options.maxFrameBytes,
          maxTextLength: this.#options.maxTextLength,
          historyPageMax: this.#options.historyPageMax,
          ratePerSecond: this.#options.rateLimitPerSecond,
          burst: this.#options.rateLimitBurst,
        },
        server: { domain: this.#options.domain, version: this.#options.version },
      };
      conn.send(OutboundFrame.of(welcome));
      session.endAttach(replays);
    } finally {
      session.endAttach();
    }
    return session;
  }

  /** The client's positions, once per room. */
  #positions(listed: RoomPosition[]): RoomPosition[] {
    const seen = new Set<string>();
    const out: RoomPosition[] = [];
    for (const p of listed) {
      if (seen.has(p.room)) continue;
      seen.add(p.room);
      out.push(p);
    }
    return out;
  }

  /** Rooms a resumed session is in that the client did not list. */
  #unlisted(session: Session, listed: RoomPosition[]): string[] {
    const seen = new Set(listed.map((p) => p.room));
    return session.rooms.ids().filter((room) => !seen.has(room));
  }

  /**
   * A room the session is in but the client gave no position for. What the server last wrote is not
   * what the client received (frames written to a connection that was already broken are lost), so
   * it cannot promise a complete replay: `recovered: false` with the room's current epoch and seq.
   * The session stays in the room; the client reloads it with room.join.
   */
  async #unknownPosition(session: Session, room: string): Promise<RoomRecovery> {
    const at = session.rooms.position(room);
    const position = { room, epoch: at?.epoch ?? '', seq: at?.seq ?? 0 };
    try {
      const { recovery } = await this.#ops.recover(room, session.actor, position, true);
      return {
        room,
        recovered: false,
        epoch: recovery.epoch,
        seq: recovery.seq,
        ...(recovery.code ? { code: recovery.code } : {}),
      };
    } catch (err) {
      this.#log.debug({ err, room, session: session.id }, 'room state unknown on resume');
      return { room, recovered: false, epoch: at?.epoch ?? null, seq: at?.seq ?? 0 };
    }
  }

  async #recoverRoom(
    session: Session,
    position: RoomPosition,
  ): Promise<{ recovery: RoomRecovery; frames: OutboundFrame[] }> {
    const inRoom = session.rooms.has(position.room);
    if (!inRoom) session.rooms.enterAt(position.room, position.epoch, position.seq);
    const { recovery, replay } = await this.#ops.recover(position.room, session.actor, position, inRoom);
    if (recovery.recovered) session.rooms.moveTo(position.room, position.epoch, position.seq);
    else if (!inRoom) session.rooms.leave(position.room);
    return { recovery, frames: replay.map((e) => new OutboundFrame(e.json, e.seq)) };
  }

  #create(userId: string | null, name: string | undefined, avatar?: string): Session {
    const id = userId ?? newGuestId(this.#options.domain);
    const user = userRef(id, name ?? defaultGuestName(id));
    const session = new Session({
      id: `${this.#options.sessionIdPrefix ?? ''}${randomUUID()}`,
      user: avatar === undefined ? user : { ...user, avatar },
      fanout: this.#fanout,
      onRemoved: (s, room) => this.#removedFrom(s, room),
    });
    this.#sessions.set(session.id, session);
    this.#onCountChange(this.#sessions.size);
    for (const h of this.#hooks) h.created?.(session);
    return session;
  }

  /**
   * The session was handed the event removing its user from `room` (room.remove): it gets nothing
   * more of that room, unless the room says it is in again (it re-joined after the removal).
   */
  #removedFrom(session: Session, room: string): void {
    // The answer may come from another node: hold the room's later frames meanwhile, so a removed
    // user sees nothing more of it, and one who re-joined misses nothing.
    const handle = session.rooms.suspend(room);
    if (!handle) return;
    const settle = (present: boolean): void => session.rooms.settle(room, handle, present);
    void this.#ops.isPresent(room, session.actor).then(settle, (err: unknown) => {
      this.#log.debug({ err, room, session: session.id }, 'membership check failed; treated as removed');
      settle(false);
    });
  }

  #attach(session: Session, conn: Connection): void {
    const { previous, resumed } = session.attach(conn);
    if (previous) previous.close('SESSION_REPLACED');
    for (const h of this.#hooks) h.attached?.(session, resumed);
  }

  /** The connection is gone: keep the session for the grace period, then let it leave its rooms. */
  detach(session: Session, conn: Connection): void {
    if (!session.detach(conn, this.#options.sessionGraceMs, () => void this.expire(session))) return;
    for (const h of this.#hooks) h.detached?.(session);
  }

  /**
   * User `from` (a guest) became `to` (an account): its sessions here are closed at once
   * (SESSION_REPLACED, so clients do not resume them) and, after the grace period, leave their
   * rooms as `to`, whose member they now are (the rooms moved them over). A client reconnecting
   * with the account's token within the grace period thus causes no offline/online flap.
   */
  endUser(from: string, to: UserRef): void {
    for (const session of [...this.#sessions.values()]) {
      if (session.user.id !== from) continue;
      session.release()?.close('SESSION_REPLACED');
      const timer = setTimeout(
        () => void this.expire(session, { user: to, sessionId: session.id }),
        this.#options.sessionGraceMs,
      );
      timer.unref();
    }
  }

  /** End a session now: it leaves every room (reason timeout) and is forgotten. */
  async expire(session: Session, actor: Actor = session.actor): Promise<void> {
    if (session.connected) return;
    session.cancelGrace();
    this.#sessions.delete(session.id);
    this.#onCountChange(this.#sessions.size);
    for (const h of this.#hooks) await h.ending?.(session);
    for (const room of session.rooms.ids()) {
      session.rooms.leave(room);
      try {
        await this.#ops.leave(room, actor, 'timeout');
      } catch (err) {
        this.#log.debug({ err, room, session: session.id }, 'leave on expiry failed');
      }
    }
    for (const h of this.#hooks) h.ended?.(session);
  }

  /** Stop every grace timer (shutdown). Sessions are not resumable across a restart anyway. */
  close(): void {
    for (const s of this.#sessions.values()) s.cancelGrace();
    this.#sessions.clear();
  }
}
