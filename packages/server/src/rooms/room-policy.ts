import { PresenceError, type RoomRole, type Visibility } from '@presence/protocol';
import type { Actor } from '../shared/actor.js';
import type { Room, RoomMember } from './room.js';

/**
 * Who may do what in a room: the one place that decides. Every room action asks `decide` (or
 * `authorize`, which throws the decision); services only find out the facts (the actor's role,
 * whose the target is, the target member's role) and never compare roles themselves. docs/authorization.md shows
 * the resulting matrix, and test/authorization.test.ts checks every cell of it over real sockets.
 */

export type RoomAction =
  | 'room.join'
  | 'room.leave'
  | 'room.update'
  | 'room.role'
  | 'room.remove'
  | 'room.history'
  | 'room.read'
  | 'chat.send'
  | 'chat.edit'
  | 'chat.delete'
  | 'chat.typing'
  | 'invite.create'
  | 'invite.list'
  | 'invite.revoke'
  | 'chat.react'
  | 'room.notify'
  | 'room.delete'
  | 'mod.kick'
  | 'mod.ban'
  | 'mod.unban'
  | 'mod.bans'
  | 'mod.mute'
  | 'mod.settings'
  | 'mod.audit'
  | 'lobby.list'
  | 'lobby.answer'
  | 'chat.report';

export interface PolicyContext {
  /** The actor's role in the room; null for a non-member. */
  role: RoomRole | null;
  room: { persistent: boolean; visibility: Visibility };
  /** The target (a message, an invite) is the actor's own. */
  own?: boolean;
  /** room.role, room.remove and the moderation actions on a member: the target member's current role. */
  targetRole?: RoomRole;
  /** room.role: the role asked for. */
  newRole?: RoomRole;
  /** room.join: an invite came with the request (its validity is the invite service's business). */
  invite?: boolean;
}

export type Decision = { ok: true } | { ok: false; code: 'FORBIDDEN' | 'NOT_IN_ROOM'; message: string };

const MODERATORS: readonly RoomRole[] = ['owner', 'admin'];

/** The role ranking: owner > admin > member > guest. */
export const ROLE_RANK: Readonly<Record<RoomRole, number>> = { guest: 0, member: 1, admin: 2, owner: 3 };

/** Whether `a` ranks strictly above `b`: moderators act only on people below them. */
export function outranks(a: RoomRole, b: RoomRole): boolean {
  return ROLE_RANK[a] > ROLE_RANK[b];
}

/** Owners and admins: exempt from slow mode, lobby and joining muted. */
export function isModerator(role: RoomRole | null): boolean {
  return role !== null && MODERATORS.includes(role);
}

/** Kick, ban, mute: a moderator on someone of a lower role (so never on the owner). */
const onLowerRole =
  (message: string): Rule =>
  (role, ctx) =>
    (MODERATORS.includes(role) && (ctx.targetRole === undefined || outranks(role, ctx.targetRole))) ||
    message;
const CONTRIBUTORS: readonly RoomRole[] = ['owner', 'admin', 'member'];

/** A member's rule: true when allowed, else the refusal's message (FORBIDDEN). */
type Rule = (role: RoomRole, ctx: PolicyContext) => true | string;

const anyMember: Rule = () => true;
const moderators =
  (message: string): Rule =>
  (role) =>
    MODERATORS.includes(role) || message;

/**
 * The rules for members, by action. Non-members are refused every action but joining with
 * NOT_IN_ROOM before these run; joining is decided by `joinDecision`.
 */
const MEMBER_RULES: Record<Exclude<RoomAction, 'room.join'>, Rule> = {
  'room.leave': anyMember,
  'room.history': anyMember,
  'room.read': anyMember,
  'chat.send': anyMember,
  'chat.typing': anyMember,
  'chat.react': anyMember,
  'room.notify': anyMember,
  // Deleting a room takes everyone's history with it: its owner only.
  'room.delete': (role) => role === 'owner' || 'Only the room’s owner deletes it.',
  // Guests may edit and delete what they wrote; nobody edits someone else's words.
  'chat.edit': (_role, ctx) => ctx.own === true || 'Only the author edits a message.',
  'chat.delete': (role, ctx) =>
    ctx.own === true || MODERATORS.includes(role) || 'Only the author or a room admin deletes a message.',
  // An unnamed room has no one to ask but its members, so they may name it; guests never may.
  'room.update': (role, ctx) =>
    ctx.room.persistent
      ? MODERATORS.includes(role) || 'Only owners and admins change a named room.'
      : CONTRIBUTORS.includes(role) || 'Guests do not change rooms.',
  // Owners grant and revoke admin; admins set member or guest on members below them. Nobody
  // changes the owner.
  'room.role': (role, ctx) =>
    (ctx.targetRole !== 'owner' &&
      (role === 'owner' || (role === 'admin' && ctx.targetRole !== 'admin' && ctx.newRole !== 'admin'))) ||
    'Your role does not allow this change.',
  'room.remove': (role, ctx) =>
    (ctx.targetRole !== 'owner' && (role === 'owner' || (role === 'admin' && ctx.targetRole !== 'admin'))) ||
    'Your role does not allow removing this member.',
  'invite.create': (role) => CONTRIBUTORS.includes(role) || 'Guests do not create invites.',
  'invite.list': moderators('Only owners and admins list a room’s invites.'),
  'invite.revoke': (role, ctx) =>
    MODERATORS.includes(role) ||
    (role === 'member' && ctx.own === true) ||
    'Only its creator or a room admin revokes an invite.',
  'mod.kick': onLowerRole('Moderators kick only members of a lower role.'),
  'mod.ban': onLowerRole('Moderators ban only members of a lower role.'),
  'mod.mute': onLowerRole('Moderators mute only members of a lower role.'),
  'mod.unban': moderators('Only owners and admins lift bans.'),
  'mod.bans': moderators('Only owners and admins list bans.'),
  'mod.settings': moderators('Only owners and admins change moderation settings.'),
  'mod.audit': moderators('Only owners and admins read the audit log.'),
  'lobby.list': moderators('Only owners and admins see the lobby.'),
  'lobby.answer': moderators('Only owners and admins answer knocks.'),
  'chat.report': anyMember,
};

const NOT_A_MEMBER = {
  ok: false,
  code: 'NOT_IN_ROOM',
  message: 'Join the room first.',
} as const satisfies Decision;

function joinDecision(ctx: PolicyContext): Decision {
  if (ctx.role !== null || ctx.room.visibility !== 'private' || ctx.invite === true) return { ok: true };
  return { ok: false, code: 'FORBIDDEN', message: 'This room is private: joining needs an invite.' };
}

export function decide(action: RoomAction, ctx: PolicyContext): Decision {
  if (action === 'room.join') return joinDecision(ctx);
  if (ctx.role === null) return NOT_A_MEMBER;
  const verdict = MEMBER_RULES[action](ctx.role, ctx);
  return verdict === true ? { ok: true } : { ok: false, code: 'FORBIDDEN', message: verdict };
}

export function can(action: RoomAction, ctx: PolicyContext): boolean {
  return decide(action, ctx).ok;
}

/** Throw the refusal as the typed error the client gets. */
export function authorize(action: RoomAction, ctx: PolicyContext): void {
  const decision = decide(action, ctx);
  if (!decision.ok) throw new PresenceError(decision.code, decision.message);
}

/** The role of the actor's user in the room, or null when not a member (stored membership counts). */
export function roleIn(room: Room, userId: string): RoomRole | null {
  return room.members.get(userId)?.role ?? null;
}

/**
 * The actor's membership when this session is in the room, else NOT_IN_ROOM. Actions other than
 * room.update need the session itself in the room, not just a stored membership: the session is
 * what receives the room's events.
 */
export function requireMember(room: Room, actor: Actor): RoomMember {
  const member = room.members.get(actor.user.id);
  if (member?.sessions.has(actor.sessionId)) return member;
  throw new PresenceError(NOT_A_MEMBER.code, NOT_A_MEMBER.message);
}

/** Guests (no account) have ids starting with `~`; everybody else has an account somewhere. */
export function isGuestUser(userId: string): boolean {
  return userId.startsWith('~');
}

/** The role a new member gets: guests join named rooms as `guest`, everybody else as `member`. */
export function joiningRole(room: { persistent: boolean }, userId: string): RoomRole {
  return room.persistent && isGuestUser(userId) ? 'guest' : 'member';
}
