import {
  PresenceError,
  type Member,
  type RoomEvent,
  type RoomInfo,
  type RoomRole,
  type UserRef,
  type Visibility,
} from '@presence/protocol';
import { randomId } from '../shared/random-id.js';
import { systemUser } from '../identity/service-users.js';
import type { Store, StoredMember, StoredRoom } from '../store/store.js';
import type { Room, RoomMember } from './room.js';
import type { RoomLog } from './room-log.js';
import type { RoomRegistry } from './room-registry.js';

export interface RoomAdminLimits {
  roomMaxMembers: number;
}

/** A room as the service API lists it: the protocol's RoomInfo plus who created it. */
export interface AdminRoomInfo extends RoomInfo {
  createdBy: string;
}

/**
 * Write a new persistent room straight to the store, with its owner (if any) as the first member
 * and that join as event 1. Used by RoomAdmin and by `presence admin rooms create`, which runs
 * without a server: a running server loads the room from the store on its first join.
 */
export async function storeNewRoom(
  store: Store,
  init: { name: string; topic?: string; visibility?: Visibility; owner?: UserRef; createdBy: string },
  now: number = Date.now(),
): Promise<StoredRoom> {
  const room: StoredRoom = {
    id: randomId(16),
    name: init.name,
    topic: init.topic ?? '',
    visibility: init.visibility ?? 'link',
    epoch: randomId(12),
    lastSeq: init.owner ? 1 : 0,
    createdAt: now,
    createdBy: init.createdBy,
  };
  const members: StoredMember[] = [];
  const events: RoomEvent[] = [];
  if (init.owner) {
    const o = init.owner;
    members.push({ userId: o.id, name: o.name, avatar: o.avatar, role: 'owner', joinedAt: now });
    events.push({
      type: 'member.joined',
      room: room.id,
      epoch: room.epoch,
      seq: 1,
      ts: now,
      user: { ...o, role: 'owner', online: false },
    });
  }
  await store.createRoom(room, members, events);
  return room;
}

/**
 * What a trusted backend (the service API) does to rooms without being in them: create rooms for
 * a user or for the system, add and remove members, list rooms and members (posting is
 * ChatService.post, so a message has one set of checks).
 * Unlike RoomService, nothing here needs the actor to have a session in the room. Every change is
 * a room event through the RoomLog (store first for persistent rooms, then the broker), inside the
 * room's queue, exactly like the changes members make.
 *
 * A persistent room this loads only to change it is unloaded again when nobody is in it, so a
 * backend managing thousands of rooms does not keep them all in memory.
 */
export class RoomAdmin {
  readonly #registry: RoomRegistry;
  readonly #log: RoomLog;
  readonly #store: Store;
  readonly #limits: RoomAdminLimits;
  readonly #system: UserRef;

  constructor(deps: {
    registry: RoomRegistry;
    log: RoomLog;
    store: Store;
    limits: RoomAdminLimits;
    domain: string;
  }) {
    this.#registry = deps.registry;
    this.#log = deps.log;
    this.#store = deps.store;
    this.#limits = deps.limits;
    this.#system = systemUser(deps.domain);
  }

  /**
   * Create a room for `owner` (who becomes its owner, offline until they join) or for the system.
   * Named: persistent at once, written to the store. Unnamed: an ephemeral room that lives in this
   * process's memory, and, like any unnamed room, is purged once members have come and all left;
   * until someone comes it stays (a backend creating unnamed rooms nobody joins should name them or
   * not create them).
   */
  async createRoom(init: {
    name?: string | undefined;
    topic?: string | undefined;
    visibility?: Visibility | undefined;
    owner?: UserRef | undefined;
  }): Promise<AdminRoomInfo> {
    const createdBy = init.owner?.id ?? this.#system.id;
    if (init.name !== undefined) {
      const stored = await storeNewRoom(this.#store, {
        name: init.name,
        createdBy,
        ...(init.topic !== undefined ? { topic: init.topic } : {}),
        ...(init.visibility !== undefined ? { visibility: init.visibility } : {}),
        ...(init.owner ? { owner: init.owner } : {}),
      });
      return storedInfo(stored, init.owner ? 1 : 0);
    }
    const room = await this.#registry.createEphemeral(createdBy, init.topic ?? '');
    if (init.visibility !== undefined) room.visibility = init.visibility;
    const owner = init.owner;
    if (owner) {
      await room.queue.run(async () => {
        const member = newMember(owner, 'owner', room.seq);
        room.members.set(owner.id, member);
        await this.#log.append(room, { type: 'member.joined', user: room.memberView(member) });
      });
    }
    return { ...room.info(), createdBy };
  }

  /**
   * Every persistent room (from the store) followed by the unnamed rooms loaded in this process,
   * paged over that combined order. A loaded room shows its live state.
   */
  async listRooms(page: {
    limit: number;
    offset: number;
  }): Promise<{ rooms: AdminRoomInfo[]; total: number }> {
    const stored = await this.#store.admin.listRooms(page);
    const rooms = stored.rooms.map((r) => {
      const loaded = this.#registry.loaded(r.id);
      return loaded ? { ...loaded.info(), createdBy: loaded.createdBy } : storedInfo(r, r.memberCount ?? 0);
    });
    const ephemeral = this.#registry
      .list()
      .filter((r) => !r.persistent)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    if (rooms.length < page.limit) {
      const from = Math.max(0, page.offset - stored.total);
      for (const r of ephemeral.slice(from, from + page.limit - rooms.length)) {
        rooms.push({ ...r.info(), createdBy: r.createdBy });
      }
    }
    return { rooms, total: stored.total + ephemeral.length };
  }

  /** ROOM_NOT_FOUND unless the room is loaded or stored (without loading it). */
  async requireRoom(roomId: string): Promise<void> {
    if (this.#registry.loaded(roomId) || (await this.#store.getRoom(roomId))) return;
    throw new PresenceError('ROOM_NOT_FOUND', `No room "${roomId}".`);
  }

  /** A room's members; a persistent room that is not loaded is read from the store, not loaded. */
  async members(roomId: string): Promise<Member[]> {
    const loaded = this.#registry.loaded(roomId);
    if (loaded) return loaded.memberList();
    await this.requireRoom(roomId);
    const stored = await this.#store.listMembers(roomId);
    return stored.map((m) => ({ id: m.userId, name: m.name, avatar: m.avatar, role: m.role, online: false }));
  }

  /**
   * Make `user` a member with `role` (member.joined), or change the role of one who is
   * (member.updated, by the system). Persistent rooms only: an unnamed room's members are the users
   * present in it, so there is no membership to add.
   */
  async setMember(
    roomId: string,
    user: UserRef,
    role: RoomRole,
  ): Promise<{ member: Member; added: boolean }> {
    return this.#registry.withRoom(roomId, async (room) => {
      requirePersistent(room, 'add members to');
      const existing = room.members.get(user.id);
      if (existing) {
        if (existing.role === role) return { member: room.memberView(existing), added: false };
        const previous = existing.role;
        existing.role = role;
        try {
          await this.#log.append(room, {
            type: 'member.updated',
            by: this.#system,
            user: room.memberView(existing),
          });
        } catch (err) {
          existing.role = previous;
          throw err;
        }
        return { member: room.memberView(existing), added: false };
      }
      if (room.members.size >= this.#limits.roomMaxMembers) {
        throw new PresenceError(
          'ROOM_FULL',
          `The room is limited to ${this.#limits.roomMaxMembers} members.`,
        );
      }
      const member = newMember(user, role, room.seq);
      await this.#store.upsertMember(room.id, toStored(member));
      room.members.set(user.id, member);
      try {
        await this.#log.append(room, { type: 'member.joined', user: room.memberView(member) });
      } catch (err) {
        // The event is what makes the join real; without it the stored row must go too.
        room.members.delete(user.id);
        await this.#store.removeMember(room.id, user.id).catch(() => undefined);
        throw err;
      }
      return { member: room.memberView(member), added: true };
    });
  }

  /**
   * End a membership with member.left, reason removed. The removed user's sessions still in the room
   * stop receiving it when that event reaches them (the gateway's Session), wherever they are
   * connected. An unnamed room nobody is in any more is purged, as when its last member leaves.
   */
  async removeMember(roomId: string, userId: string): Promise<void> {
    await this.#registry.withRoom(roomId, async (room) => {
      const member = room.members.get(userId);
      if (!member) throw new PresenceError('NOT_IN_ROOM', `${userId} is not a member of this room.`);
      if (room.persistent) await this.#store.removeMember(room.id, userId);
      room.members.delete(userId);
      await this.#log.append(room, { type: 'member.left', user: member.ref, reason: 'removed' });
      if (!room.occupied) await this.#registry.unload(room);
    });
  }
}

function requirePersistent(room: Room, what: string): void {
  if (!room.persistent) {
    throw new PresenceError(
      'FORBIDDEN',
      `Cannot ${what} an unnamed room: its members are the users present in it. Name the room first.`,
    );
  }
}

function newMember(ref: UserRef, role: RoomRole, seq: number): RoomMember {
  return { ref, role, joinedAt: Date.now(), sessions: new Set(), lastRead: seq };
}

function toStored(m: RoomMember): StoredMember {
  return { userId: m.ref.id, name: m.ref.name, avatar: m.ref.avatar, role: m.role, joinedAt: m.joinedAt };
}

function storedInfo(r: StoredRoom, memberCount: number): AdminRoomInfo {
  return {
    id: r.id,
    name: r.name,
    topic: r.topic,
    visibility: r.visibility,
    persistent: true,
    epoch: r.epoch,
    seq: r.lastSeq,
    createdAt: r.createdAt,
    memberCount,
    createdBy: r.createdBy,
  };
}
