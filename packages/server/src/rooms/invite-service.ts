import { randomBytes } from 'node:crypto';
import {
  PresenceError,
  type Invite,
  type InviteInvalidReason,
  type RoomId,
  type UserRef,
} from '@presence/protocol';
import { userRef } from '../identity/guests.js';
import { inviteProblem, type StoredInvite } from '../store/invite-store.js';
import type { Store } from '../store/store.js';
import type { Actor } from '../shared/actor.js';
import type { RoomRegistry } from './room-registry.js';
import { authorize, requireMember } from './room-policy.js';
import type { InviteAdmission } from './room-service.js';

export interface InviteOptions {
  kind: 'single' | 'public';
  /** Public invites only; default unlimited. */
  maxUses?: number | undefined;
  expiresInSeconds?: number | undefined;
}

/** What the join page shows before joining: no room id, no member list. */
export interface InvitePreview {
  room: { name: string | null; topic: string; memberCount: number };
  invitedBy: { name: string; avatar: string };
  kind: 'single' | 'public';
  expiresAt: number | null;
  valid: true;
}

const REASON_TEXT: Record<InviteInvalidReason, string> = {
  not_found: 'No such invite.',
  expired: 'This invite has expired.',
  used_up: 'This invite has been used up.',
  revoked: 'This invite was revoked.',
};

export function inviteInvalid(reason: InviteInvalidReason): PresenceError {
  return new PresenceError('INVITE_INVALID', REASON_TEXT[reason], { reason });
}

/** 22 characters of base64url: 128 random bits, safe in a URL as is. */
export function newInviteCode(): string {
  return randomBytes(16).toString('base64url');
}

export function toInviteView(i: StoredInvite): Invite {
  return {
    code: i.code,
    room: i.roomId,
    kind: i.kind,
    maxUses: i.maxUses,
    uses: i.uses,
    expiresAt: i.expiresAt,
    createdAt: i.createdAt,
    createdBy: userRef(i.createdBy, i.createdByName),
    url: `/i/${i.code}`,
  };
}

/**
 * Invites to a room: creating, listing and revoking them (as the policy allows), using one to
 * join, and the preview for the join page. Invites to unnamed rooms are stored like any other
 * and deleted when the room is purged (`forgetRoom`), so they die with it.
 */
export class InviteService implements InviteAdmission {
  readonly #registry: RoomRegistry;
  readonly #store: Store;
  readonly #now: () => number;

  constructor(deps: { registry: RoomRegistry; store: Store; now?: () => number }) {
    this.#registry = deps.registry;
    this.#store = deps.store;
    this.#now = deps.now ?? Date.now;
  }

  async create(actor: Actor, roomId: RoomId, options: InviteOptions): Promise<Invite> {
    const room = await this.#registry.require(roomId);
    authorize('invite.create', { role: requireMember(room, actor).role, room });
    return this.issue(room.id, actor.user, options);
  }

  /** Store a new invite by `creator` without asking the room (for trusted callers: service API). */
  async issue(roomId: RoomId, creator: UserRef, options: InviteOptions): Promise<Invite> {
    if (options.kind === 'single' && options.maxUses !== undefined && options.maxUses !== 1) {
      throw new PresenceError('INVALID_MESSAGE', 'maxUses is for public invites; single-use means 1.');
    }
    const now = this.#now();
    const invite: StoredInvite = {
      code: newInviteCode(),
      roomId,
      kind: options.kind,
      maxUses: options.kind === 'single' ? 1 : (options.maxUses ?? null),
      uses: 0,
      expiresAt: options.expiresInSeconds === undefined ? null : now + options.expiresInSeconds * 1000,
      revokedAt: null,
      createdAt: now,
      createdBy: creator.id,
      createdByName: creator.name,
    };
    await this.#store.invites.createInvite(invite);
    return toInviteView(invite);
  }

  /** The room's invites that can still be used, oldest first. */
  async list(actor: Actor, roomId: RoomId): Promise<Invite[]> {
    const room = await this.#registry.require(roomId);
    authorize('invite.list', { role: requireMember(room, actor).role, room });
    const invites = await this.#store.invites.listActiveInvites(room.id, this.#now());
    return invites.map(toInviteView);
  }

  async revoke(actor: Actor, roomId: RoomId, code: string): Promise<void> {
    const room = await this.#registry.require(roomId);
    const member = requireMember(room, actor);
    const invite = await this.#store.invites.getInvite(code);
    if (!invite || invite.roomId !== room.id) throw inviteInvalid('not_found');
    authorize('invite.revoke', { role: member.role, room, own: invite.createdBy === actor.user.id });
    await this.#store.invites.revokeInvite(room.id, code, this.#now());
  }

  /**
   * The room an invite leads to (room.join with only an invite). Whether it can still be used is
   * decided at the join: a member may come back through a used-up invite without using it again.
   */
  async roomOf(code: string): Promise<RoomId> {
    const invite = await this.#store.invites.getInvite(code);
    if (!invite) throw inviteInvalid('not_found');
    return invite.roomId;
  }

  /** Use the invite to enter `roomId`; called by the join, inside the room's queue. */
  async admit(code: string, roomId: RoomId): Promise<void> {
    const invite = await this.#store.invites.getInvite(code);
    // An invite to another room is as good as none, and saying more would reveal that room.
    if (!invite || invite.roomId !== roomId) throw inviteInvalid('not_found');
    const used = await this.#store.invites.consumeInvite(code, this.#now());
    if (!used.ok) throw inviteInvalid(used.reason);
  }

  /** The join page's preview, without joining and without the room's id. */
  async preview(code: string): Promise<InvitePreview | { valid: false; reason: InviteInvalidReason }> {
    const invite = await this.#store.invites.getInvite(code);
    const problem = inviteProblem(invite, this.#now());
    if (problem !== null || !invite) return { valid: false, reason: problem ?? 'not_found' };
    const room = await this.#roomSummary(invite.roomId);
    if (!room) return { valid: false, reason: 'not_found' };
    const by = userRef(invite.createdBy, invite.createdByName);
    return {
      room,
      invitedBy: { name: by.name, avatar: by.avatar },
      kind: invite.kind,
      expiresAt: invite.expiresAt,
      valid: true,
    };
  }

  /** The room purged: its invites go with it. */
  async forgetRoom(roomId: RoomId): Promise<void> {
    await this.#store.invites.deleteInvitesForRoom(roomId);
  }

  /** From memory when loaded, else from the store without loading it (a preview is not a visit). */
  async #roomSummary(
    roomId: RoomId,
  ): Promise<{ name: string | null; topic: string; memberCount: number } | undefined> {
    const loaded = this.#registry.loaded(roomId);
    if (loaded) return { name: loaded.name, topic: loaded.topic, memberCount: loaded.members.size };
    const stored = await this.#store.getRoom(roomId);
    if (!stored) return undefined;
    const members = await this.#store.listMembers(roomId);
    return { name: stored.name, topic: stored.topic, memberCount: members.length };
  }
}
