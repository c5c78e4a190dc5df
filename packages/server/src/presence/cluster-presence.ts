import type { DeviceState, DeviceType, UserPresence } from '@presence/protocol';
import type { Broker } from '../broker/broker.js';
import { userRef } from '../identity/guests.js';
import { PresenceService, type DevicePatch, type DeviceRecord } from './presence-service.js';
import { Room, type MembershipObserver } from '../rooms/room.js';
import { sessionPrefixOf } from '../shared/session-prefix.js';

/** The broker "room" every node listens on for presence changes (room ids never start with ~). */
const CHANNEL = '~presence';

/** One change, as replicated to the other nodes. */
type PresenceOp =
  | { k: 'online'; u: string; d: string; type: DeviceType; state: DeviceState }
  | { k: 'detached' | 'resumed' | 'ended'; u: string; d: string }
  | { k: 'set'; u: string; d: string; p: DevicePatch }
  | {
      k: 'report';
      u: string;
      d: string;
      type: DeviceType;
      state: DeviceState | 'offline';
      status?: string | null | undefined;
    }
  | { k: 'joined' | 'left'; r: string; u: string }
  | { k: 'unloaded'; r: string };

/** What a node tells a starting peer: its devices and the member lists of the rooms it serves. */
export interface PresenceState {
  devices: DeviceRecord[];
  rooms: { id: string; members: string[] }[];
}

type PresenceDeps = ConstructorParameters<typeof PresenceService>[0];

/**
 * Presence in a cluster, replicated: every node runs the whole presence engine, fed with every
 * node's device changes and every room home's membership changes over the broker, and delivers
 * only to its own subscribed sessions. No node is special, so no leader has to be elected or
 * failed over; the price is that each node applies every change (the engine's per-change cost
 * is small; the expensive part, building deltas, runs only for watchers on that node).
 *
 * Rooms served elsewhere are mirrored (member ids only) for co-membership visibility. A node that
 * starts asks its peers for their state; a dead node's mirrors are dropped at once and its
 * sessions' devices end after the grace period, on every node alike.
 */
export class ClusterPresence extends PresenceService {
  readonly #broker: Broker;
  readonly #origin: string;
  /** Rooms served by other nodes: a member list each, and which node serves it. */
  readonly #mirrors = new Map<string, { room: Room; origin: string }>();
  /** True while applying a peer's change: it must not be sent back out. */
  #quiet = false;
  #unsubscribe: (() => void) | undefined;

  constructor(deps: PresenceDeps & { broker: Broker; instanceId: string }) {
    super(deps);
    this.#broker = deps.broker;
    this.#origin = deps.instanceId;
  }

  /** Start hearing the other nodes' changes. */
  listen(): void {
    this.#unsubscribe ??= this.#broker.subscribe(CHANNEL, (m) => this.#onMessage(m.json));
  }

  override deviceOnline(
    userId: string,
    deviceId: string,
    facts: { type: DeviceType; state: DeviceState },
  ): void {
    super.deviceOnline(userId, deviceId, facts);
    this.#emit({ k: 'online', u: userId, d: deviceId, type: facts.type, state: facts.state });
  }

  override deviceDetached(userId: string, deviceId: string): void {
    super.deviceDetached(userId, deviceId);
    this.#emit({ k: 'detached', u: userId, d: deviceId });
  }

  override deviceResumed(userId: string, deviceId: string): void {
    super.deviceResumed(userId, deviceId);
    this.#emit({ k: 'resumed', u: userId, d: deviceId });
  }

  override deviceEnded(userId: string, deviceId: string): void {
    super.deviceEnded(userId, deviceId);
    this.#emit({ k: 'ended', u: userId, d: deviceId });
  }

  override set(userId: string, deviceId: string, patch: DevicePatch): UserPresence {
    const view = super.set(userId, deviceId, patch);
    this.#emit({ k: 'set', u: userId, d: deviceId, p: patch });
    return view;
  }

  override report(
    userId: string,
    deviceId: string,
    type: DeviceType,
    state: DeviceState | 'offline',
    status?: string | null,
  ): UserPresence {
    const view = this.#quietly(() => super.report(userId, deviceId, type, state, status));
    this.#emit({ k: 'report', u: userId, d: deviceId, type, state, status });
    return view;
  }

  /** Observes the rooms this node serves, so other nodes can mirror their member lists. */
  membership(): MembershipObserver {
    return {
      joined: (room, userId) => {
        // This node serves the room now: its own copy replaces any mirror of it.
        this.#dropMirror(room.id);
        this.#emit({ k: 'joined', r: room.id, u: userId });
      },
      left: (room, userId) => this.#emit({ k: 'left', r: room.id, u: userId }),
      unloaded: (room) => this.#emit({ k: 'unloaded', r: room.id }),
    };
  }

  /** This node's part of the cluster's presence, for a peer that is starting. */
  state(servedRooms: Iterable<Room>): PresenceState {
    const mine = sessionPrefixOf(this.#origin);
    return {
      devices: this.devicesWhere(() => true).filter((d) => d.socketless || d.deviceId.startsWith(mine)),
      rooms: [...servedRooms].map((r) => ({ id: r.id, members: [...r.members.keys()] })),
    };
  }

  /** Take in a peer's state (at startup). */
  adopt(state: PresenceState, origin: string): void {
    this.#quietly(() => {
      for (const d of state.devices) {
        if (d.socketless) {
          super.report(d.userId, d.deviceId, d.type, d.state, d.status);
        } else {
          super.deviceOnline(d.userId, d.deviceId, { type: d.type, state: d.state });
          super.set(d.userId, d.deviceId, { idleSince: d.idleSince, status: d.status, hidden: d.hidden });
        }
      }
      for (const r of state.rooms)
        for (const u of r.members) this.#mirror(r.id, origin).members.set(u, member(u));
    });
  }

  /** A node died: what it served is no longer mirrored now; its sessions end after `graceMs`. */
  nodeDead(instanceId: string, graceMs: number): NodeJS.Timeout {
    for (const [id, m] of this.#mirrors) if (m.origin === instanceId) this.#dropMirror(id);
    const timer = setTimeout(() => {
      const prefix = sessionPrefixOf(instanceId);
      this.#quietly(() => {
        for (const d of this.devicesWhere((id) => id.startsWith(prefix)))
          super.deviceEnded(d.userId, d.deviceId);
      });
    }, graceMs);
    timer.unref();
    return timer;
  }

  override close(): void {
    this.#unsubscribe?.();
    super.close();
  }

  #emit(op: PresenceOp): void {
    if (this.#quiet) return;
    void this.#broker
      .publish({ room: CHANNEL, seq: null, json: JSON.stringify({ o: this.#origin, ...op }) })
      .catch(() => undefined);
  }

  #quietly<T>(fn: () => T): T {
    const was = this.#quiet;
    this.#quiet = true;
    try {
      return fn();
    } finally {
      this.#quiet = was;
    }
  }

  #onMessage(json: string): void {
    let message: PresenceOp & { o: string };
    try {
      message = JSON.parse(json) as PresenceOp & { o: string };
    } catch {
      return;
    }
    if (message.o === this.#origin) return;
    this.#quietly(() => this.#apply(message, message.o));
  }

  #apply(op: PresenceOp, origin: string): void {
    switch (op.k) {
      case 'online':
        return super.deviceOnline(op.u, op.d, { type: op.type, state: op.state });
      case 'detached':
        return super.deviceDetached(op.u, op.d);
      case 'resumed':
        return super.deviceResumed(op.u, op.d);
      case 'ended':
        return super.deviceEnded(op.u, op.d);
      case 'set':
        super.set(op.u, op.d, op.p);
        return;
      case 'report':
        super.report(op.u, op.d, op.type, op.state, op.status);
        return;
      case 'joined':
        this.#mirror(op.r, origin).members.set(op.u, member(op.u));
        return;
      case 'left':
        this.#mirrors.get(op.r)?.room.members.delete(op.u);
        return;
      case 'unloaded':
        this.#dropMirror(op.r);
        return;
    }
  }

  #mirror(roomId: string, origin: string): Room {
    let m = this.#mirrors.get(roomId);
    if (!m) {
      const room = new Room(
        {
          id: roomId,
          name: null,
          topic: '',
          visibility: 'link',
          persistent: false,
          epoch: '',
          seq: 0,
          createdAt: 0,
          createdBy: '',
        },
        this.visibility,
      );
      m = { room, origin };
      this.#mirrors.set(roomId, m);
    }
    m.origin = origin;
    return m.room;
  }

  #dropMirror(roomId: string): void {
    const m = this.#mirrors.get(roomId);
    if (!m) return;
    this.#mirrors.delete(roomId);
    this.visibility.unloaded(m.room);
  }
}

/** A mirrored member: only the id matters to visibility. */
function member(userId: string) {
  return {
    ref: userRef(userId, userId),
    role: 'member' as const,
    joinedAt: 0,
    sessions: new Set<string>(),
    lastRead: 0,
  };
}
