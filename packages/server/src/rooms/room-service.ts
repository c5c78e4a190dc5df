import {
  PresenceError,
  type LiveParticipant,
  type ModerationSettings,
  type Mute,
  type RoomEvent,
  type RoomRole,
  type UserRef,
  type Visibility,
} from '@presence/protocol';
import type { Broker } from '../broker/broker.js';
import type { Store, StoredMember } from '../store/store.js';
import type { Actor } from '../shared/actor.js';
import type { Room, RoomMember } from './room.js';
import { authorize, joiningRole, outranks, requireMember, roleIn } from './room-policy.js';
import { OPEN_GATE, type ModerationGate } from './moderation-gate.js';
import type { RoomLog } from './room-log.js';
import type { RoomRegistry } from './room-registry.js';
import type { RoomCreationLimits } from './room-creation-limits.js';

export interface RoomLimits {
  roomMaxMembers: number;
  joinRecentCount: number;
}

/** What joining needs from invites: use one to get in (throws INVITE_INVALID with a reason). */
export interface InviteAdmission {
  admit(code: string, roomId: string): Promise<void>;
}

export interface RoomSnapshot {
  room: ReturnType<Room['info']>;
  members: ReturnType<Room['memberList']>;
  role: RoomRole;
  recent: RoomEvent[];
  /** Added by the gateway when a call is going on in the room. */
  live?: LiveParticipant[];
  moderation?: { settings: ModerationSettings; mutes: Mute[] };
}

/** What a joiner may bring to get past a password, and the key a guest's browser keeps. */
export interface JoinAdmission {
  password?: string | undefined;
  guestKey?: string | undefined;
}

/**
 * Room membership and settings: create, join, leave, rename. Every change that others must see
 * becomes a room event through the RoomLog; nothing here knows about sockets or sessions beyond
 * the session id that identifies an actor's presence in a room.
 */
export class RoomService {
  readonly #registry: RoomRegistry;
  readonly #log: RoomLog;
  readonly #store: Store;
  readonly #broker: Broker;
  readonly #limits: RoomLimits;
  readonly #invites: InviteAdmission;
  readonly #creations: RoomCreationLimits | null;
  readonly #gate: ModerationGate;

  constructor(deps: {
    registry: RoomRegistry;
    log: RoomLog;
    store: Store;
    broker: Broker;
    limits: RoomLimits;
    invites: InviteAdmission;
    /** Bounds how many rooms users (and addresses) make persistent; null: unbounded. */
    creations?: RoomCreationLimits | null;
    /** Bans, password, lobby (moderation/); default: none. */
    gate?: ModerationGate;
  }) {
    this.#registry = deps.registry;
    this.#log = deps.log;
    this.#store = deps.store;
    this.#broker = deps.broker;
    this.#limits = deps.limits;
    this.#invites = deps.invites;
    this.#creations = deps.creations ?? null;
    this.#gate = deps.gate ?? OPEN_GATE;
  }

  /** Create a room (owned by the actor, who is joined), named and persistent if a name is given. */
  async create(
    actor: Actor,
    options: { name?: string; topic?: string; visibility?: Visibility },
  ): Promise<RoomSnapshot> {
    const room = await this.#registry.createEphemeral(actor.user.id, options.topic ?? '');
    await this.join(actor, room.id, 'owner');
    if (options.name !== undefined || options.visibility !== undefined) {
      try {
        await this.update(actor, room.id, { name: options.name, visibility: options.visibility });
      } catch (err) {
        // A room that could not be made persistent must not linger half-made.
        await this.leave(actor, room.id, 'left');
        throw err;
      }
    }
    return this.snapshot(room, actor.user.id);
  }

  /**
   * Join (idempotent for a session already in the room) and return the room's snapshot. A new
   * member gets `role`, or by default the role the policy gives newcomers; getting in at all is
   * the policy's call, with `invite` used up (atomically) when one was given. Members join without
   * using an invite.
   */
  async join(
    actor: Actor,
    roomId: string,
    role?: RoomRole,
    invite?: string,
    admission: JoinAdmission = {},
  ): Promise<RoomSnapshot> {
    // A persistent room may be unloaded between loading it and our turn in its queue: load again.
    for (let attempt = 0; ; attempt++) {
      const room = await this.#registry.require(roomId);
      const snapshot = await this.#joinLoaded(actor, room, role, invite, admission);
      if (snapshot) return snapshot;
      if (!room.persistent || attempt >= 3) throw new PresenceError('ROOM_NOT_FOUND');
    }
  }

  #joinLoaded(
    actor: Actor,
    room: Room,
    role: RoomRole | undefined,
    invite: string | undefined,
    admission: JoinAdmission,
  ): Promise<RoomSnapshot | null> {
    return room.queue.run(async () => {
      if (this.#registry.loaded(room.id) !== room) return null;
      let member = room.members.get(actor.user.id);
      if (!member) authorize('room.join', { role: null, room, invite: invite !== undefined });
      // Bans hold members too; password and lobby only newcomers. A creator joining the room it
      // just made has nothing to get past.
      if (role !== 'owner') {
        await this.#gate.admit(room, actor, {
          member: member !== undefined,
          invite: invite !== undefined,
          password: admission.password,
          guestKey: admission.guestKey,
        });
      }
      if (!member) {
        if (room.members.size >= this.#limits.roomMaxMembers) {
          throw new PresenceError(
            'ROOM_FULL',
            `The room is limited to ${this.#limits.roomMaxMembers} members.`,
          );
        }
        // Last, so that a refusal above does not use the invite up.
        if (invite !== undefined) await this.#invites.admit(invite, room.id);
        const joined: RoomMember = {
          ref: actor.user,
          role: role ?? joiningRole(room, actor.user.id),
          joinedAt: Date.now(),
          sessions: new Set([actor.sessionId]),
          lastRead: room.seq,
        };
        if (room.persistent) await this.#store.upsertMember(room.id, toStored(joined));
        room.members.set(actor.user.id, joined);
        member = joined;
        try {
          await this.#log.append(room, { type: 'member.joined', user: room.memberView(joined) });
        } catch (err) {
          room.members.delete(actor.user.id);
          throw err;
        }
      } else if (!member.sessions.has(actor.sessionId)) {
        member.sessions.add(actor.sessionId);
        // A hidden user's arrival is not told: to the others they are still offline.
        if (member.sessions.size === 1 && room.shownOnline(member)) {
          await this.#log.transient(room, {
            type: 'member.presence',
            room: room.id,
            user: actor.user.id,
            online: true,
          });
        }
      }
      return this.snapshot(room, actor.user.id);
    });
  }

  /**
   * A session leaves. When it was the user's last session in the room the user leaves too:
   * `left` (asked for) removes a persistent membership; `timeout` (the session expired) keeps it
   * and only marks the member offline. An empty ephemeral room is purged.
   */
  async leave(actor: Actor, roomId: string, reason: 'left' | 'timeout'): Promise<void> {
    const room = this.#registry.loaded(roomId);
    if (!room) throw new PresenceError('NOT_IN_ROOM');
    await room.queue.run(async () => {
      const member = requireMember(room, actor);
      // An expiring session leaves whatever its role; asking to leave is a room action like any.
      if (reason === 'left') authorize('room.leave', { role: member.role, room });
      member.sessions.delete(actor.sessionId);
      if (member.sessions.size > 0) return;
      if (room.persistent && reason === 'timeout') {
        // Hidden, they already looked offline: telling it now would say they had been there.
        if (!room.isHidden(actor.user.id)) {
          await this.#log.transient(room, {
            type: 'member.presence',
            room: room.id,
            user: actor.user.id,
            online: false,
          });
        }
      } else {
        if (room.persistent) await this.#store.removeMember(room.id, actor.user.id);
        room.members.delete(actor.user.id);
        if (room.occupied || room.persistent) {
          await this.#log.append(room, { type: 'member.left', user: member.ref, reason });
        }
      }
      if (!room.occupied) await this.#registry.unload(room);
    });
  }

  /**
   * Change name, topic or visibility. Naming an ephemeral room makes it persistent: its members and
   * the events still in memory are written to the store in one transaction first.
   * Persistent rooms: owners and admins only. Ephemeral rooms: any member (there is no one else).
   */
  async update(
    actor: Actor,
    roomId: string,
    patch: { name?: string | undefined; topic?: string | undefined; visibility?: Visibility | undefined },
  ): Promise<ReturnType<Room['info']>> {
    const room = await this.#registry.require(roomId);
    return room.queue.run(async () => {
      authorize('room.update', { role: roleIn(room, actor.user.id), room });
      const next = {
        name: patch.name ?? room.name,
        topic: patch.topic ?? room.topic,
        visibility: patch.visibility ?? room.visibility,
      };
      if (!room.persistent && next.name !== null) {
        // Naming is what makes a room last (and fill the directory), so naming is what is limited.
        this.#creations?.take(actor);
        try {
          await this.#persist(room, next);
        } catch (err) {
          this.#creations?.giveBack(actor);
          throw err;
        }
      }
      await this.#log.append(room, {
        type: 'room.updated',
        by: actor.user,
        name: next.name,
        topic: next.topic,
        visibility: next.visibility,
        persistent: room.persistent,
      });
      room.name = next.name;
      room.topic = next.topic;
      room.visibility = next.visibility;
      return room.info();
    });
  }

  /** Change a member's role, as far as the policy allows the actor (room-policy.ts). */
  async setRole(actor: Actor, roomId: string, userId: string, role: 'admin' | 'member' | 'guest') {
    const room = await this.#registry.require(roomId);
    return room.queue.run(async () => {
      const me = requireMember(room, actor);
      const target = room.members.get(userId);
      if (!target) throw new PresenceError('NOT_IN_ROOM', `${userId} is not a member of this room.`);
      authorize('room.role', { role: me.role, room, targetRole: target.role, newRole: role });
      if (target.role === role) return room.memberView(target);
      const previous = target.role;
      target.role = role;
      try {
        await this.#log.append(room, {
          type: 'member.updated',
          by: actor.user,
          user: room.memberView(target),
        });
      } catch (err) {
        target.role = previous;
        throw err;
      }
      await this.#gate.record(room, {
        action: 'role',
        actor: actor.user,
        target: target.ref,
        detail: { from: previous, to: role },
      });
      return room.memberView(target);
    });
  }

  /**
   * Take a member out of the room (the stored membership too) with `member.left` reason
   * `removed`. The removed user's sessions leave the room's delivery when that event reaches
   * them (gateway/session.ts), wherever they are connected. Returns the sessions that were in the
   * room, so that what they were doing there (a call) can end too.
   */
  async remove(actor: Actor, roomId: string, userId: string): Promise<Actor[]> {
    const room = await this.#registry.require(roomId);
    return room.queue.run(async () => {
      const me = requireMember(room, actor);
      const target = room.members.get(userId);
      if (!target) throw new PresenceError('NOT_IN_ROOM', `${userId} is not a member of this room.`);
      authorize('room.remove', { role: me.role, room, targetRole: target.role });
      if (room.persistent) await this.#store.removeMember(room.id, userId);
      room.members.delete(userId);
      await this.#log.append(room, { type: 'member.left', user: target.ref, reason: 'removed' });
      await this.#gate.record(room, { action: 'remove', actor: actor.user, target: target.ref });
      return [...target.sessions].map((sessionId) => ({ user: target.ref, sessionId }));
    });
  }

  /**
   * The user started or stopped appearing offline: every loaded room where a session of theirs
   * is tells its members, exactly as when they connect or go offline (`member.presence`).
   */
  async visibilityChanged(userId: string): Promise<void> {
    for (const room of this.#registry.list()) {
      const member = room.members.get(userId);
      if (!member || member.sessions.size === 0) continue;
      await room.queue.run(() =>
        this.#log.transient(room, {
          type: 'member.presence',
          room: room.id,
          user: userId,
          online: room.shownOnline(member),
        }),
      );
    }
  }

  /**
   * A guest became an account (the store has already moved its memberships: `stored` gives the
   * roles there). In every loaded room the guest's member becomes the account's: the stronger role
   * wins, the guest's sessions count as the account's until they end, and the others see the
   * guest leave and the account join (or, where it was a member already, `member.updated`).
   */
  async userMerged(from: string, to: UserRef, stored: Map<string, RoomRole>): Promise<void> {
    for (const room of this.#registry.list()) {
      if (!room.members.has(from)) continue;
      await room.queue.run(async () => {
        const guest = room.members.get(from);
        if (!guest) return;
        const mine = room.members.get(to.id);
        const role = stored.get(room.id) ?? strongerRole(guest.role, mine?.role ?? 'guest');
        room.members.delete(from);
        await this.#log.append(room, { type: 'member.left', user: guest.ref, reason: 'left' });
        if (mine) {
          for (const s of guest.sessions) mine.sessions.add(s);
          if (mine.role === role) return;
          mine.role = role;
          await this.#log.append(room, { type: 'member.updated', by: to, user: room.memberView(mine) });
          return;
        }
        const member: RoomMember = {
          ref: to,
          role,
          joinedAt: guest.joinedAt,
          sessions: new Set(guest.sessions),
          lastRead: guest.lastRead,
        };
        room.members.set(to.id, member);
        await this.#log.append(room, { type: 'member.joined', user: room.memberView(member) });
      });
    }
  }

  /** Whether this session is in the room now (the gateway asks before it stops delivering). */
  isPresent(roomId: string, actor: Actor): boolean {
    return this.#registry.loaded(roomId)?.members.get(actor.user.id)?.sessions.has(actor.sessionId) ?? false;
  }

  async #persist(
    room: Room,
    next: { name: string | null; topic: string; visibility: Visibility },
  ): Promise<void> {
    const entries = await this.#broker.latest(room.id, Number.MAX_SAFE_INTEGER);
    const events = entries.map((e) => JSON.parse(e.json) as RoomEvent);
    await this.#store.createRoom(
      {
        id: room.id,
        name: next.name,
        topic: next.topic,
        visibility: next.visibility,
        epoch: room.epoch,
        lastSeq: room.seq,
        createdAt: room.createdAt,
        createdBy: room.createdBy,
      },
      [...room.members.values()].map(toStored),
      events,
    );
    room.persistent = true;
  }

  /**
   * The room as a joiner sees it: info, members, their role, and the latest events up to the seq
   * in `info` (captured first, so events appended meanwhile reach the joiner live, not twice).
   */
  async snapshot(room: Room, userId: string): Promise<RoomSnapshot> {
    const info = room.info();
    const members = room.memberList();
    const role = room.members.get(userId)?.role ?? 'guest';
    const recent = (await this.#recent(room)).filter((e) => e.seq <= info.seq);
    const moderation = await this.#gate.snapshot(room);
    return { room: info, members, role, recent, ...(moderation ? { moderation } : {}) };
  }

  async #recent(room: Room): Promise<RoomEvent[]> {
    const count = this.#limits.joinRecentCount;
    if (count === 0) return [];
    if (room.persistent) {
      const page = await this.#store.readEvents(room.id, { limit: count });
      return page.events;
    }
    const entries = await this.#broker.latest(room.id, count);
    return entries.map((e) => JSON.parse(e.json) as RoomEvent);
  }
}

function strongerRole(a: RoomRole, b: RoomRole): RoomRole {
  return outranks(b, a) ? b : a;
}

function toStored(m: RoomMember): StoredMember {
  return { userId: m.ref.id, name: m.ref.name, avatar: m.ref.avatar, role: m.role, joinedAt: m.joinedAt };
}
