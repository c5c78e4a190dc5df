import { z } from 'zod';
import { roomId, seq, timestamp, userId } from './ids.js';
import { userRef } from './models.js';
import { request } from './request-schema.js';

/** Upper bounds of moderation inputs. */
export const MODERATION_LIMITS = {
  reasonLength: 500,
  passwordLength: 200,
  guestKeyLength: 128,
  slowModeMaxSeconds: 3600,
  maxDurationSeconds: 10 * 365 * 24 * 3600,
  auditPageMax: 200,
} as const;

const reason = z.string().max(MODERATION_LIMITS.reasonLength);
const duration = z.number().int().positive().max(MODERATION_LIMITS.maxDurationSeconds);
/** A per-browser key the web app keeps for guests, so a ban on a guest holds past a new guest id. */
export const guestKey = z.string().min(8).max(MODERATION_LIMITS.guestKeyLength);
export const roomPassword = z.string().min(1).max(MODERATION_LIMITS.passwordLength);

/** A room's moderation settings as members see them (the password itself never leaves the server). */
export const moderationSettings = z.object({
  /** Newcomers knock and wait until an owner or admin admits them. */
  lobby: z.boolean(),
  /** Seconds between two messages of one member (0: off). Owners and admins are exempt. */
  slowModeSeconds: z.number().int().nonnegative().max(MODERATION_LIMITS.slowModeMaxSeconds),
  /** Everyone but owners and admins joins the call with the microphone muted by a moderator. */
  joinMuted: z.boolean(),
  /** Joining without an invite or a membership needs the room's password. */
  hasPassword: z.boolean(),
});
export type ModerationSettings = z.infer<typeof moderationSettings>;

/** What a moderator has muted for one member; cleared fields are false / null. */
export const mute = z.object({
  user: userId,
  /** Chat refused with MUTED until then; null: chat not muted. Far future for "until unmuted". */
  chatUntil: timestamp.nullable(),
  /** Microphone muted in the call: the member cannot turn it on. */
  audio: z.boolean(),
  /** Camera muted in the call. */
  video: z.boolean(),
});
export type Mute = z.infer<typeof mute>;

export const ban = z.object({
  id: z.string(),
  /** The banned user (null only when the ban is by address alone). */
  user: userRef.nullable(),
  /** The ban also holds the guest's browser (its guest key). */
  byGuestKey: z.boolean(),
  /** The ban also holds the address it came from (kept hashed, never shown). */
  byAddress: z.boolean(),
  reason: z.string(),
  by: userRef,
  createdAt: timestamp,
  /** null: until unbanned. */
  expiresAt: timestamp.nullable(),
});
export type Ban = z.infer<typeof ban>;

export const knock = z.object({
  id: z.string(),
  user: userRef,
  at: timestamp,
});
export type Knock = z.infer<typeof knock>;

export const AUDIT_ACTIONS = [
  'kick',
  'ban',
  'unban',
  'mute',
  'unmute',
  'settings',
  'lobby.admit',
  'lobby.deny',
  'message.delete',
  'report',
  'role',
  'remove',
] as const;
export const auditAction = z.enum(AUDIT_ACTIONS);
export type AuditAction = z.infer<typeof auditAction>;

/** Who did what to whom, when and why. */
export const auditEntry = z.object({
  id: z.number().int().positive(),
  ts: timestamp,
  action: auditAction,
  actor: userRef,
  target: userRef.nullable(),
  reason: z.string(),
  /** Action-specific facts (a duration, the settings changed, a message's seq). */
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type AuditEntry = z.infer<typeof auditEntry>;

export const moderationRequestSchemas = {
  /** Take someone out of the room now; they may come back (owners and admins, on lower roles). */
  'mod.kick': request('mod.kick', { room: roomId, user: userId, reason: reason.optional() }),
  /** Kick and keep out: refused on every later join, invite use and call join until it expires. */
  'mod.ban': request('mod.ban', {
    room: roomId,
    user: userId,
    reason: reason.optional(),
    /** Omitted: until unbanned. */
    durationSeconds: duration.optional(),
    /** Also refuse the address the user is connected from (stored hashed). */
    byAddress: z.boolean().optional(),
  }),
  'mod.unban': request('mod.unban', { room: roomId, ban: z.string().min(1).max(64) }),
  'mod.bans': request('mod.bans', { room: roomId }),
  /**
   * Mute (true) or unmute (false) chat, microphone or camera of one member, or with `user` omitted
   * of everyone below owners and admins ("mute everyone": the call only, chat is per member).
   */
  'mod.mute': request('mod.mute', {
    room: roomId,
    user: userId.optional(),
    chat: z.boolean().optional(),
    audio: z.boolean().optional(),
    video: z.boolean().optional(),
    /** How long a chat mute lasts; omitted: until unmuted. */
    durationSeconds: duration.optional(),
    reason: reason.optional(),
  }),
  /** Change moderation settings (owners and admins). `password: null` removes the password. */
  'mod.settings': request('mod.settings', {
    room: roomId,
    lobby: z.boolean().optional(),
    slowModeSeconds: z.number().int().nonnegative().max(MODERATION_LIMITS.slowModeMaxSeconds).optional(),
    joinMuted: z.boolean().optional(),
    password: roomPassword.nullable().optional(),
  }),
  /** The room's audit log, newest first (owners and admins). */
  'mod.audit': request('mod.audit', {
    room: roomId,
    /** Entries with an id below this one (paging back). */
    before: z.number().int().positive().optional(),
    limit: z.number().int().positive().max(MODERATION_LIMITS.auditPageMax).optional(),
  }),
  /** Ask to be let into a room whose lobby is on; the outcome arrives as `lobby.outcome`. */
  'lobby.knock': request('lobby.knock', {
    room: roomId,
    guestKey: guestKey.optional(),
    password: roomPassword.optional(),
  }),
  'lobby.list': request('lobby.list', { room: roomId }),
  'lobby.answer': request('lobby.answer', {
    room: roomId,
    knock: z.string().min(1).max(64),
    admit: z.boolean(),
  }),
  /** Tell the room's owners and admins about a message. */
  'chat.report': request('chat.report', { room: roomId, seq: seq.min(1), reason: reason.optional() }),
} as const;

export const moderationResultSchemas = {
  'mod.kick': z.object({}),
  'mod.ban': z.object({ ban }),
  'mod.unban': z.object({}),
  'mod.bans': z.object({ bans: z.array(ban) }),
  'mod.mute': z.object({ mutes: z.array(mute) }),
  'mod.settings': z.object({ settings: moderationSettings }),
  'mod.audit': z.object({ entries: z.array(auditEntry), more: z.boolean() }),
  /** `admitted: true`: come in now (no lobby, or already let in); else wait for `lobby.outcome`. */
  'lobby.knock': z.object({ knock: z.string(), admitted: z.boolean() }),
  'lobby.list': z.object({ knocks: z.array(knock) }),
  'lobby.answer': z.object({}),
  'chat.report': z.object({}),
} as const;

export type ModerationRequestType = keyof typeof moderationRequestSchemas;

/** To the room: someone's mutes changed. Mesh peers drop a muted member's tracks. */
export const modMutedEvent = z.object({
  type: z.literal('mod.muted'),
  room: roomId,
  by: userRef,
  mute,
});
/** To the room: moderation settings changed. */
export const modSettingsEvent = z.object({
  type: z.literal('mod.settings'),
  room: roomId,
  by: userRef,
  settings: moderationSettings,
});
/** To the sessions taken out: why (the room's member.left says removed). */
export const modRemovedEvent = z.object({
  type: z.literal('mod.removed'),
  room: roomId,
  by: userRef,
  action: z.enum(['kick', 'ban']),
  reason: z.string(),
  expiresAt: timestamp.nullable(),
});
/** To the room's owners and admins: someone knocked. */
export const lobbyKnockedEvent = z.object({ type: z.literal('lobby.knocked'), room: roomId, knock });
/** To the room's owners and admins: a knock was answered or withdrawn. */
export const lobbyClosedEvent = z.object({
  type: z.literal('lobby.closed'),
  room: roomId,
  knock: z.string(),
  admitted: z.boolean(),
});
/** To the knocker: admitted (join now with room.join) or not. */
export const lobbyOutcomeEvent = z.object({
  type: z.literal('lobby.outcome'),
  room: roomId,
  knock: z.string(),
  admitted: z.boolean(),
});
/** To the room's owners and admins: a member reported a message. */
export const chatReportedEvent = z.object({
  type: z.literal('chat.reported'),
  room: roomId,
  seq: seq.min(1),
  by: userRef,
  reason: z.string(),
  ts: timestamp,
});

export const moderationEventSchemas = {
  'mod.muted': modMutedEvent,
  'mod.settings': modSettingsEvent,
  'mod.removed': modRemovedEvent,
  'lobby.knocked': lobbyKnockedEvent,
  'lobby.closed': lobbyClosedEvent,
  'lobby.outcome': lobbyOutcomeEvent,
  'chat.reported': chatReportedEvent,
} as const;
