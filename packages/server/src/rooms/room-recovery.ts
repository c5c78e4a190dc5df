import { PresenceError, type RoomPosition, type RoomRecovery } from '@presence/protocol';
import type { Broker, RecentEntry } from '../broker/broker.js';
import type { Store } from '../store/store.js';
import type { Actor } from '../shared/actor.js';
import { can, roleIn } from './room-policy.js';
import type { RoomRegistry } from './room-registry.js';
import type { RoomService } from './room-service.js';

/** Replays longer than this are refused: the client reloads instead of receiving a flood. */
const MAX_REPLAY = 5_000;
const STORE_PAGE = 100;

export interface RecoveryResult {
  recovery: RoomRecovery;
  /** The missed events to send, in order, right after the welcome. */
  replay: RecentEntry[];
}

/**
 * Recovery by position: bring a (re)connecting session back into a room and hand it exactly the
 * events it missed, from the broker's recent window or, for persistent rooms, from the store.
 */
export class RoomRecoveryService {
  readonly #registry: RoomRegistry;
  readonly #rooms: RoomService;
  readonly #store: Store;
  readonly #broker: Broker;

  constructor(deps: { registry: RoomRegistry; rooms: RoomService; store: Store; broker: Broker }) {
    this.#registry = deps.registry;
    this.#rooms = deps.rooms;
    this.#store = deps.store;
    this.#broker = deps.broker;
  }

  /**
   * `inRoom` says whether the session is still in the room (a resumed session within its grace
   * period); otherwise the session joins it again first, as any member would.
   */
  async recover(actor: Actor, position: RoomPosition, inRoom: boolean): Promise<RecoveryResult> {
    const refuse = (code: RoomRecovery['code'], epoch: string | null = null, seq = 0): RecoveryResult => ({
      recovery: { room: position.room, recovered: false, epoch, seq, code },
      replay: [],
    });
    let room;
    try {
      room = await this.#registry.get(position.room);
    } catch (err) {
      return refuse(codeOf(err));
    }
    if (!room) return refuse('ROOM_NOT_FOUND');
    // Nothing about a room (its epoch, its seq) goes to someone who could not join it: a removed
    // member or a stranger who learned a private room's id.
    if (!inRoom && !can('room.join', { role: roleIn(room, actor.user.id), room })) {
      return refuse('FORBIDDEN');
    }
    if (room.epoch !== position.epoch) return refuse(undefined, room.epoch, room.seq);
    // Decide whether a replay is possible before joining, so a refusal leaves no member behind.
    if (!(await this.#reachable(room.id, room.epoch, room.persistent, position.seq, room.seq))) {
      return refuse(undefined, room.epoch, room.seq);
    }
    if (!inRoom) {
      try {
        await this.#rooms.join(actor, room.id);
      } catch (err) {
        return refuse(codeOf(err), room.epoch, room.seq);
      }
    }
    let replay: RecentEntry[] | null;
    try {
      replay = await this.#missed(room.id, room.epoch, room.persistent, position.seq, room.seq);
    } catch (err) {
      replay = null;
      if (codeOf(err) !== 'STORE_UNAVAILABLE') throw err;
    }
    if (!replay) {
      // The window moved on while we joined (rare): undo the join rather than leave a ghost.
      if (!inRoom) await this.#rooms.leave(actor, room.id, 'left').catch(() => undefined);
      return refuse(undefined, room.epoch, room.seq);
    }
    return { recovery: { room: room.id, recovered: true, epoch: room.epoch, seq: room.seq }, replay };
  }

  /** Whether the events after `after` can still be replayed (window, or the store for named rooms). */
  async #reachable(
    roomId: string,
    epoch: string,
    persistent: boolean,
    after: number,
    upTo: number,
  ): Promise<boolean> {
    if (after > upTo || upTo - after > MAX_REPLAY) return false;
    if (persistent) return true;
    return (await this.#broker.since(roomId, epoch, after)) !== null;
  }

  async #missed(
    roomId: string,
    epoch: string,
    persistent: boolean,
    after: number,
    upTo: number,
  ): Promise<RecentEntry[] | null> {
    if (after > upTo) return null;
    if (upTo - after > MAX_REPLAY) return null;
    const fromWindow = await this.#broker.since(roomId, epoch, after);
    if (fromWindow) return fromWindow;
    if (!persistent) return null;
    const out: RecentEntry[] = [];
    let cursor = after;
    for (;;) {
      const page = await this.#store.readEvents(roomId, { after: cursor, limit: STORE_PAGE });
      for (const event of page.events) out.push({ seq: event.seq, json: JSON.stringify(event) });
      const last = page.events.at(-1);
      if (!page.more || !last) break;
      cursor = last.seq;
    }
    return out;
  }
}

function codeOf(err: unknown): RoomRecovery['code'] {
  if (err instanceof PresenceError) return err.code;
  if (err instanceof Error && err.name === 'StoreUnavailableError') return 'STORE_UNAVAILABLE';
  throw err;
}
