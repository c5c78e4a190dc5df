import { z } from 'zod';
import { HARD_LIMITS, displayName, roomId, seq, userId } from './ids.js';
import { liveRequestSchemas } from './live.js';
import { liveSfuRequestSchemas } from './live-sfu.js';
import { streamKeyRequestSchemas } from './stream-keys.js';
import { liveRelayRequestSchemas } from './live-relay.js';
import { liveStreamRequestSchemas } from './live-stream.js';
import { liveRecordRequestSchemas } from './live-record.js';
import { guestKey, moderationRequestSchemas, roomPassword } from './moderation.js';
import { presenceRequestSchemas } from './presence.js';
import { federationRequestSchemas } from './federation.js';
import { chatSendExtras } from './message-extras.js';
import { reactionRequestSchemas } from './reactions.js';
import { notificationRequestSchemas } from './notifications.js';
import { searchRequestSchemas } from './search.js';
import { roomLifeRequestSchemas } from './room-life.js';
import { dmConversationRequestSchemas } from './dm-conversations.js';
import { roomPosition, visibility } from './models.js';
import { request } from './request-schema.js';

const roomName = z.string().trim().min(1).max(HARD_LIMITS.roomNameLength);
const topic = z.string().max(HARD_LIMITS.topicLength);

/**
 * Every request a client may send, keyed by type. Requests carry `id` and get exactly one reply:
 * `ok` (or `welcome` for hello) or `error`.
 */
export const requestSchemas = {
  hello: request('hello', {
    /** The protocol version the client speaks; the server answers UNSUPPORTED_VERSION unless it is 1 or 2. */
    v: z.number().int().positive(),
    client: z.string().max(64).optional(),
    /** Display name for a guest session. */
    name: displayName.optional(),
    /** A session token from an earlier `welcome`: resume that session. */
    token: z.string().max(HARD_LIMITS.tokenLength).optional(),
    /** Where the client stopped reading in each room, for replay on resume. */
    rooms: z.array(roomPosition).max(HARD_LIMITS.resumeRooms).optional(),
  }),
  ping: request('ping', {}),
  'room.create': request('room.create', {
    name: roomName.optional(),
    topic: topic.optional(),
    visibility: visibility.optional(),
  }),
  'room.join': request('room.join', {
    /** The room to join; may be omitted when `invite` is given (the invite names the room). */
    room: roomId.optional(),
    /** An invite code: needed to join a private room one is not a member of. */
    invite: z.string().min(1).max(64).optional(),
    /** The room's password, when it has one and you have neither an invite nor a membership. */
    password: roomPassword.optional(),
    /** Guests: the browser's guest key (bans on guests hold by it). */
    guestKey: guestKey.optional(),
  }).refine((r) => r.room !== undefined || r.invite !== undefined, 'give room or invite'),
  /** Remove a member from the room (owners and admins; not the owner). */
  'room.remove': request('room.remove', { room: roomId, user: userId }),
  'invite.create': request('invite.create', {
    room: roomId,
    kind: z.enum(['single', 'public']),
    /** Public invites only: how many times it may be used (default unlimited). */
    maxUses: z.number().int().positive().max(1_000_000).optional(),
    /** Lifetime in seconds (default: no expiry). */
    expiresInSeconds: z
      .number()
      .int()
      .positive()
      .max(365 * 24 * 3600)
      .optional(),
  }),
  'invite.list': request('invite.list', { room: roomId }),
  'invite.revoke': request('invite.revoke', { room: roomId, code: z.string().min(1).max(64) }),
  'room.leave': request('room.leave', { room: roomId }),
  'room.update': request('room.update', {
    room: roomId,
    name: roomName.optional(),
    topic: topic.optional(),
    visibility: visibility.optional(),
  }),
  'room.role': request('room.role', {
    room: roomId,
    user: userId,
    /** Owners grant and revoke admin; owners and admins set member or guest on non-admins. */
    role: z.enum(['admin', 'member', 'guest']),
  }),
  'room.history': request('room.history', {
    room: roomId,
    before: seq.optional(),
    after: seq.optional(),
    limit: z.number().int().positive().optional(),
  }),
  'room.read': request('room.read', { room: roomId, seq }),
  'rooms.mine': request('rooms.mine', {}),
  'rooms.directory': request('rooms.directory', {
    query: z.string().max(HARD_LIMITS.roomNameLength).optional(),
    limit: z.number().int().positive().optional(),
  }),
  'chat.send': request('chat.send', {
    room: roomId,
    text: z.string().min(1).max(HARD_LIMITS.textLength),
    /** Idempotency key: a resend with the same nonce is acknowledged once, not stored twice. */
    nonce: z.string().min(1).max(HARD_LIMITS.nonceLength).optional(),
    ...chatSendExtras,
  }),
  'chat.edit': request('chat.edit', {
    room: roomId,
    seq: seq.min(1),
    text: z.string().min(1).max(HARD_LIMITS.textLength),
  }),
  'chat.delete': request('chat.delete', { room: roomId, seq: seq.min(1) }),
  'chat.typing': request('chat.typing', { room: roomId, typing: z.boolean() }),
  ...liveRequestSchemas,
  ...liveSfuRequestSchemas,
  ...streamKeyRequestSchemas,
  ...liveRelayRequestSchemas,
  ...liveStreamRequestSchemas,
  ...liveRecordRequestSchemas,
  ...presenceRequestSchemas,
  ...reactionRequestSchemas,
  ...notificationRequestSchemas,
  ...searchRequestSchemas,
  ...roomLifeRequestSchemas,
  ...dmConversationRequestSchemas,
  ...moderationRequestSchemas,
  ...federationRequestSchemas,
} as const;

/** Messages a client sends that are not requests (no id, no reply). */
export const notificationSchemas = {
  /** Answer to the server's `ping` heartbeat over TCP (WebSocket uses protocol-level pings). */
  pong: z.object({ type: z.literal('pong') }),
} as const;

export type RequestType = keyof typeof requestSchemas;
export type NotificationType = keyof typeof notificationSchemas;
export type ClientMessageType = RequestType | NotificationType;
export type RequestOf<T extends RequestType> = z.infer<(typeof requestSchemas)[T]>;
export type AnyRequest = { [T in RequestType]: RequestOf<T> }[RequestType];
export type NotificationOf<T extends NotificationType> = z.infer<(typeof notificationSchemas)[T]>;
export type AnyNotification = { [T in NotificationType]: NotificationOf<T> }[NotificationType];
export type ClientMessage = AnyRequest | AnyNotification;
/** A request's parameters: everything but `type` and `id`. */
export type ParamsOf<T extends RequestType> = Omit<RequestOf<T>, 'type' | 'id'>;

export const REQUEST_TYPES = Object.keys(requestSchemas) as RequestType[];
export const NOTIFICATION_TYPES = Object.keys(notificationSchemas) as NotificationType[];
