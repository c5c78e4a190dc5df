import { z } from 'zod';
import type { RequestType } from './client-messages.js';
import { ERROR_CODES, type ErrorCode } from './errors.js';
import { epoch, requestId, roomId, seq, timestamp, userId } from './ids.js';
import { presenceEventSchemas, presenceResultSchemas } from './presence.js';
import { appEventSchemas } from './apps.js';
import { federationResultSchemas } from './federation.js';
import { directoryRoom } from './room-directory.js';
import { liveEventSchemas, liveParticipant, liveResultSchemas } from './live.js';
import { reactionResultSchemas } from './reactions.js';
import { notificationResultSchemas, notifyLevel } from './notifications.js';
import { searchResultSchemas } from './search.js';
import { roomLifeEventSchemas, roomLifeResultSchemas } from './room-life.js';
import { dmConversationEventSchemas, dmConversationResultSchemas } from './dm-conversations.js';
import { liveSfuEventSchemas, liveSfuResultSchemas } from './live-sfu.js';
import { streamKeyResultSchemas } from './stream-keys.js';
import { liveRelayEventSchemas, liveRelayResultSchemas } from './live-relay.js';
import { liveRecordEventSchemas, liveRecordResultSchemas, liveRecordingState } from './live-record.js';
import {
  liveRoomSettings,
  liveStreamEventSchemas,
  liveStreamResultSchemas,
  liveStreamState,
} from './live-stream.js';
import { moderationEventSchemas, moderationResultSchemas, moderationSettings, mute } from './moderation.js';
import { leanMessageEvent } from './lean-message.js';
import { invite, inviteInvalidReason, member, roomEvent, roomInfo, roomRole, userRef } from './models.js';

const errorCode = z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]);

/** Per room on resume: whether the missed events follow (`recovered: true`) or the client must reload. */
export const roomRecovery = z.object({
  room: roomId,
  recovered: z.boolean(),
  epoch: epoch.nullable(),
  /** The room's latest seq now; replayed events end here. */
  seq,
  /** Why not recovered, when `recovered` is false. */
  code: errorCode.optional(),
});
export type RoomRecovery = z.infer<typeof roomRecovery>;

/** The reply to `hello`. */
export const welcome = z.object({
  type: z.literal('welcome'),
  id: requestId,
  v: z.number().int(),
  sessionId: z.string(),
  userId,
  name: z.string(),
  avatar: z.string(),
  /** Signed; send it in a later hello to resume this session (and keep the same user). */
  token: z.string(),
  /** True when an earlier session was resumed (its rooms are still joined). */
  resumed: z.boolean(),
  /** Present when a resume was asked for and refused; the session is then a fresh one. */
  resumeError: z.object({ code: errorCode, message: z.string() }).optional(),
  rooms: z.array(roomRecovery),
  heartbeat: z.object({ intervalMs: z.number().int(), timeoutMs: z.number().int() }),
  limits: z.object({
    maxFrameBytes: z.number().int(),
    maxTextLength: z.number().int(),
    historyPageMax: z.number().int(),
    /**
     * This connection's request budget (a token bucket: `burst` frames at once, refilled at
     * `ratePerSecond`). Every frame the client sends costs one token, `pong` and `hello` included;
     * a client that paces itself within it never sees RATE_LIMITED.
     */
    ratePerSecond: z.number(),
    burst: z.number().int(),
  }),
  server: z.object({ domain: z.string(), version: z.string() }),
});
export type Welcome = z.infer<typeof welcome>;

export const roomJoined = z.object({
  room: roomInfo,
  members: z.array(member),
  /** Your role in the room. */
  role: roomRole,
  /** The latest events (bounded window), oldest first, so a late joiner sees recent chat. */
  recent: z.array(roomEvent),
  /** Who is in the room's call right now (absent when nobody is). */
  live: z.array(liveParticipant).optional(),
  /** The room's call settings (absent when all are the defaults). */
  liveSettings: liveRoomSettings.optional(),
  /** A streaming room's stage (absent unless the room streams and a call is on). */
  stream: liveStreamState.optional(),
  /** The call's recording (absent when not recording). */
  recording: liveRecordingState.optional(),
  /** The room's moderation settings and current mutes (absent when nothing is set). */
  moderation: z.object({ settings: moderationSettings, mutes: z.array(mute) }).optional(),
});

export const myRoom = roomInfo.extend({
  role: roomRole,
  lastRead: seq,
  unread: z.number().int().nonnegative(),
  /** Unread messages that mention you (counted apart from unread). */
  mentions: z.number().int().nonnegative().optional(),
  /** Your notification level here (absent: all). */
  notify: notifyLevel.optional(),
});

/** The `result` of each request type's `ok` reply. `hello` answers with `welcome` instead. */
export const resultSchemas = {
  ping: z.object({ ts: timestamp }),
  'room.create': roomJoined,
  'room.join': roomJoined,
  'room.leave': z.object({}),
  'room.update': z.object({ room: roomInfo }),
  'room.role': z.object({ member }),
  'room.remove': z.object({}),
  'invite.create': z.object({ invite }),
  'invite.list': z.object({ invites: z.array(invite) }),
  'invite.revoke': z.object({}),
  'room.history': z.object({
    events: z.array(roomEvent),
    /** True when more events exist beyond this page in the direction asked. */
    more: z.boolean(),
  }),
  'room.read': z.object({ lastRead: seq, unread: z.number().int().nonnegative() }),
  'rooms.mine': z.object({ rooms: z.array(myRoom) }),
  'rooms.directory': z.object({ rooms: z.array(directoryRoom) }),
  'chat.send': z.object({
    epoch,
    seq,
    ts: timestamp,
    /** True when this nonce was already accepted: nothing new was stored. */
    duplicate: z.boolean(),
  }),
  'chat.edit': z.object({ seq }),
  'chat.delete': z.object({ seq }),
  'chat.typing': z.object({}),
  ...liveResultSchemas,
  ...liveSfuResultSchemas,
  ...streamKeyResultSchemas,
  ...liveRelayResultSchemas,
  ...liveStreamResultSchemas,
  ...liveRecordResultSchemas,
  'live.join': liveResultSchemas['live.join'].extend({
    /** The room's call settings. */
    settings: liveRoomSettings,
    /** A streaming room's stage (absent unless the room streams): are you the source, is it live. */
    stream: liveStreamState.optional(),
    /** The call's recording (absent when not recording), so a late joiner sees it. */
    recording: liveRecordingState.optional(),
  }),
  ...presenceResultSchemas,
  ...reactionResultSchemas,
  ...notificationResultSchemas,
  ...searchResultSchemas,
  ...roomLifeResultSchemas,
  ...dmConversationResultSchemas,
  ...moderationResultSchemas,
  ...federationResultSchemas,
} as const satisfies Record<Exclude<RequestType, 'hello'>, z.ZodType>;

export type ResultType = keyof typeof resultSchemas;
export type ResultOf<T extends RequestType> = T extends 'hello'
  ? Welcome
  : T extends ResultType
    ? z.infer<(typeof resultSchemas)[T]>
    : never;

export const okReply = z.object({ type: z.literal('ok'), id: requestId, result: z.unknown() });
export type OkReply = { type: 'ok'; id: z.infer<typeof requestId>; result: unknown };

/** A failed request (with its id) or a connection-level error (without). */
export const errorMessage = z.object({
  type: z.literal('error'),
  id: requestId.optional(),
  code: errorCode,
  message: z.string(),
  /** For RATE_LIMITED: when to try again. */
  retryAfterMs: z.number().int().optional(),
  /** For INVITE_INVALID: not_found, expired, used_up or revoked. */
  reason: inviteInvalidReason.optional(),
});
export type ErrorMessage = z.infer<typeof errorMessage>;

/** Someone started or stopped typing. Not sequenced, not kept. */
export const typingEvent = z.object({
  type: z.literal('typing'),
  room: roomId,
  user: userRef,
  typing: z.boolean(),
});
export type TypingEvent = z.infer<typeof typingEvent>;

/**
 * A member of a persistent room came online in it or went offline (their last session left or
 * timed out). Not sequenced: the member list in a room.join reply is the authoritative snapshot.
 */
export const memberPresenceEvent = z.object({
  type: z.literal('member.presence'),
  room: roomId,
  user: userId,
  online: z.boolean(),
});
export type MemberPresenceEvent = z.infer<typeof memberPresenceEvent>;

/** Server heartbeat over TCP; answer with `{"type":"pong"}`. */
export const pingEvent = z.object({ type: z.literal('ping'), ts: timestamp });

/** Events the server sends that are not replies and not room-log events. */
export const transientEventSchemas = {
  typing: typingEvent,
  'member.presence': memberPresenceEvent,
  ping: pingEvent,
  ...liveEventSchemas,
  ...liveSfuEventSchemas,
  ...liveRelayEventSchemas,
  ...liveStreamEventSchemas,
  ...liveRecordEventSchemas,
  ...presenceEventSchemas,
  ...roomLifeEventSchemas,
  ...dmConversationEventSchemas,
  ...moderationEventSchemas,
  ...appEventSchemas,
} as const;

export const serverMessage = z.union([
  welcome,
  okReply,
  errorMessage,
  roomEvent,
  // v: 2 sessions: a live message in the lean shape (lean-message.ts).
  leanMessageEvent,
  typingEvent,
  memberPresenceEvent,
  pingEvent,
  ...Object.values(liveEventSchemas),
  liveSfuEventSchemas['live.sfu.offer'],
  liveSfuEventSchemas['live.mode'],
  liveRelayEventSchemas['live.relay.assign'],
  ...Object.values(liveStreamEventSchemas),
  ...Object.values(liveRecordEventSchemas),
  ...Object.values(presenceEventSchemas),
  ...Object.values(roomLifeEventSchemas),
  ...Object.values(dmConversationEventSchemas),
  ...Object.values(moderationEventSchemas),
  ...Object.values(appEventSchemas),
]);
export type ServerMessage = z.infer<typeof serverMessage>;

export { member };
