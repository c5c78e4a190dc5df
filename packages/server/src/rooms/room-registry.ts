import { PresenceError } from '@presence/protocol';
import type { Broker } from '../broker/broker.js';
import { randomId } from '../shared/random-id.js';
import { userRef } from '../identity/guests.js';
import type { Store } from '../store/store.js';
import type { Actor } from '../shared/actor.js';
import { Room, type MembershipObserver } from './room.js';
import { RoomElsewhereError, SINGLE_NODE_HOMES, type RoomHomes } from './room-homes.js';

/**
 * The rooms loaded in this process. Ephemeral rooms live only here and are purged when empty;
 * persistent rooms are loaded from the store on first use and unloaded when nobody is in them.
 */
export class RoomRegistry {
  readonly #rooms = new Map<string, Room>();
  readonly #loading = new Map<string, Promise<Room | undefined>>();
  readonly #store: Store;
  readonly #broker: Broker;
  readonly #onChange: () => void;
  readonly #onPurge: (roomId: string) => Promise<void>;
  readonly #observers: MembershipObserver[] = [];
  readonly #homes: RoomHomes;
  /** Who appears offline although connected (presence's hidden flag); nobody until told. */
  #hidden: (userId: string) => boolean = () => false;
  readonly #isHidden = (userId: string): boolean => this.#hidden(userId);
  /** Which sessions elsewhere are in a room (cluster takeover); none on a single node. */
  #census: (roomId: string) => Promise<Actor[]> = () => Promise.resolve([]);
  /** Handed to every room this registry makes: forwards to whoever observes membership. */
  readonly #membership: MembershipObserver = {
    joined: (room, userId) => {
      for (const o of this.#observers) o.joined(room, userId);
    },
    left: (room, userId) => {
      for (const o of this.#observers) o.left(room, userId);
    },
    unloaded: (room) => {
      for (const o of this.#observers) o.unloaded(room);
    },
  };

  /** `onPurge` runs when an ephemeral room is gone for good (its invites go with it). */
  constructor(
    store: Store,
    broker: Broker,
    onChange: () => void = () => undefined,
    onPurge: (roomId: string) => Promise<void> = () => Promise.resolve(),
    homes: RoomHomes = SINGLE_NODE_HOMES,
  ) {
    this.#homes = homes;
    this.#store = store;
    this.#broker = broker;
    this.#onChange = onChange;
    this.#onPurge = onPurge;
  }

  get size(): number {
    return this.#rooms.size;
  }

  count(persistent: boolean): number {
    let n = 0;
    for (const r of this.#rooms.values()) if (r.persistent === persistent) n++;
    return n;
  }

  /**
   * Hear of every member added to or removed from a loaded room (a persistent room's stored
   * members count as added when it loads) and of every unload. Presence uses it for co-membership.
   */
  observeMembership(observer: MembershipObserver): void {
    this.#observers.push(observer);
  }

  /** Tell every room who appears offline (presence knows; rooms only ask). */
  seeHidden(hidden: (userId: string) => boolean): void {
    this.#hidden = hidden;
  }

  /** The rooms loaded now (a snapshot, so callers may await while iterating). */
  list(): Room[] {
    return [...this.#rooms.values()];
  }

  /**
   * In a cluster, a room loaded by a node taking it over from a dead home is missing its sessions
   * on other nodes: `census` asks every node which of its sessions are in the room.
   */
  setCensus(census: (roomId: string) => Promise<Actor[]>): void {
    this.#census = census;
  }

  /** True while the room is loaded or being loaded (its home lease must be kept). */
  holds(id: string): boolean {
    return this.#rooms.has(id) || this.#loading.has(id);
  }

  /** A loaded room, without touching the store. */
  loaded(id: string): Room | undefined {
    return this.#rooms.get(id);
  }

  /** The room, loading a persistent one from the store if needed; undefined if none exists. */
  async get(id: string): Promise<Room | undefined> {
    const room = this.#rooms.get(id);
    if (room) return room;
    let loading = this.#loading.get(id);
    if (!loading) {
      loading = this.#load(id).finally(() => this.#loading.delete(id));
      this.#loading.set(id, loading);
    }
    return loading;
  }

  /** Like get, but answers ROOM_NOT_FOUND. */
  async require(id: string): Promise<Room> {
    const room = await this.get(id);
    if (!room) throw new PresenceError('ROOM_NOT_FOUND', `No room "${id}".`);
    return room;
  }

  /**
   * Run `fn` in the room's queue, loading a persistent room if needed and unloading it afterwards
   * when nobody is in it (a backend acting on thousands of rooms does not keep them all in memory).
   * A room unloaded between loading and our turn is loaded again.
   */
  async withRoom<T>(roomId: string, fn: (room: Room) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const room = await this.require(roomId);
      const done = await room.queue.run(async (): Promise<{ value: T } | null> => {
        if (this.loaded(room.id) !== room) return null;
        try {
          return { value: await fn(room) };
        } finally {
          if (room.persistent && !room.occupied) await this.unload(room);
        }
      });
      if (done) return done.value;
      if (attempt >= 3) throw new PresenceError('ROOM_NOT_FOUND', `No room "${roomId}".`);
    }
  }

  async #load(id: string): Promise<Room | undefined> {
    // In a cluster a room is in exactly one node's memory: its home's.
    if (!(await this.#homes.claim(id))) throw new RoomElsewhereError(id);
    let stored;
    try {
      stored = await this.#store.getRoom(id);
    } catch (err) {
      this.#homes.release(id);
      throw err;
    }
    if (!stored) {
      this.#homes.release(id);
      return undefined;
    }
    // Another load may have finished while we awaited.
    const raced = this.#rooms.get(id);
    if (raced) return raced;
    const members = await this.#store.listMembers(id);
    const room = new Room(
      {
        id: stored.id,
        name: stored.name,
        topic: stored.topic,
        visibility: stored.visibility,
        persistent: true,
        epoch: stored.epoch,
        seq: stored.lastSeq,
        createdAt: stored.createdAt,
        createdBy: stored.createdBy,
      },
      this.#membership,
      this.#isHidden,
    );
    for (const m of members) {
      room.members.set(m.userId, {
        ref: { ...userRef(m.userId, m.name), avatar: m.avatar },
        role: m.role,
        joinedAt: m.joinedAt,
        sessions: new Set(),
        lastRead: 0,
      });
    }
    // Sessions still in the room (they stayed subscribed on their nodes) are members' sessions again.
    for (const actor of await this.#census(id)) {
      room.members.get(actor.user.id)?.sessions.add(actor.sessionId);
    }
    await this.#broker.resetWindow(id, room.epoch, room.seq);
    this.#rooms.set(id, room);
    this.#onChange();
    return room;
  }

  /** A new ephemeral room with an unguessable id and a fresh epoch, homed on this node. */
  async createEphemeral(createdBy: string, topic = ''): Promise<Room> {
    let id = randomId(16);
    // An id nobody uses, here or (in a cluster) on another node.
    while (this.#rooms.has(id) || !(await this.#homes.claim(id))) id = randomId(16);
    const room = new Room(
      {
        id,
        name: null,
        topic,
        visibility: 'link',
        persistent: false,
        epoch: randomId(12),
        seq: 0,
        createdAt: Date.now(),
        createdBy,
      },
      this.#membership,
      this.#isHidden,
    );
    this.#rooms.set(id, room);
    this.#onChange();
    return room;
  }

  /**
   * Drop a room from memory without purging anything: another node is its home now (this one
   * lost its lease). Nothing is written; the home has the room's truth.
   */
  evict(id: string): void {
    const room = this.#rooms.get(id);
    if (!room) return;
    this.#rooms.delete(id);
    this.#membership.unloaded(room);
    this.#onChange();
  }

  /** Forget an empty room: an ephemeral one is gone for good, a persistent one stays in the store. */
  async unload(room: Room): Promise<void> {
    if (this.#rooms.get(room.id) !== room) return;
    this.#rooms.delete(room.id);
    this.#membership.unloaded(room);
    this.#homes.release(room.id);
    await this.#broker.dropRoom(room.id);
    this.#onChange();
    if (!room.persistent) await this.#onPurge(room.id);
  }
}
