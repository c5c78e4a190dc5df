import {
  ERROR_CODES,
  HARD_LIMITS,
  displayName,
  epoch,
  auditEntry,
  invite,
  liveMediaMode,
  liveMode,
  liveRoomSettings,
  liveStreamers,
  liveStreamState,
  member,
  requestSchemas,
  roomId,
  roomInfo,
  roomRole,
  seq,
  streamKeyName,
  streamKeyView,
  timestamp,
  userId,
  type ErrorCode,
} from '@presence/protocol';
import { z } from 'zod';
import { operation, type ApiOperation } from './api-operation.js';

/**
 * The service API (`/api/service/…`, http/service-routes.ts) as data: every operation with the zod
 * schemas its route validates with and the OpenAPI document is generated from.
 */

/** Every failure: a protocol error code and a human-readable message. */
export const apiError = z.object({
  code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]),
  message: z.string(),
  /** INVITE_INVALID only: why the invite cannot be used. */
  reason: z.string().optional(),
});

/** The local part of a service user's id (`<local>@<domain>`): what a login name may be. */
export const localPart = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, '1–64 of a-z 0-9 . _ - starting with a-z or 0-9');

export const createUserBody = z.object({
  /** Without it a random one is chosen. */
  id: localPart.optional().describe('Local part of the new user id; the server adds @<domain>.'),
  name: displayName,
  avatarUrl: z
    .url({ protocol: /^https?$/, error: 'an http(s) URL' })
    .max(2048)
    .optional()
    .describe('Replaces the generated pixel avatar.'),
});

export const serviceUser = z.object({
  id: userId,
  name: z.string(),
  /** The avatar URL clients show: avatarUrl when set, else the generated pixel avatar. */
  avatar: z.string(),
  kind: z.enum(['local', 'external', 'service']),
  createdAt: timestamp,
});

const roomCreate = requestSchemas['room.create'];
export const createRoomBody = z.object({
  name: roomCreate.shape.name.describe('Naming a room makes it persistent.'),
  topic: roomCreate.shape.topic,
  visibility: roomCreate.shape.visibility,
  owner: userId.optional().describe('An existing user who becomes the owner; without it the system owns it.'),
});

/** A room as the service API shows it: RoomInfo plus who created it. */
export const serviceRoom = roomInfo.extend({ createdBy: userId });

export const listRoomsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0),
});

export const setMemberBody = z.object({ role: roomRole });

export const postMessageBody = z.object({
  text: z.string().min(1).max(HARD_LIMITS.textLength).describe('Markdown.'),
  as: userId.optional().describe('A member to post as; without it the message comes from the system.'),
});

const inviteCreate = requestSchemas['invite.create'];
export const createInviteBody = z.object({
  kind: inviteCreate.shape.kind,
  maxUses: inviteCreate.shape.maxUses.describe('Public invites only; default unlimited.'),
  expiresInSeconds: inviteCreate.shape.expiresInSeconds.describe('Default: no expiry.'),
});

const userParams = z.object({ userId });
const roomParams = z.object({ id: roomId });
const memberParams = z.object({ id: roomId, userId });
const inviteParams = z.object({ id: roomId, code: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });

const streamKeyParams = z.object({ id: roomId, key: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
const issuedStreamKey = z.object({ key: streamKeyView, secret: z.string(), whipPath: z.string() });
const streamKeyNotFound = { description: 'ROOM_NOT_FOUND or STREAM_KEY_NOT_FOUND.', schema: apiError };

/** A room's call settings and what its call does now (GET and PATCH …/live). */
const liveView = z.object({
  settings: liveRoomSettings,
  /** How the call's media travels now (`mesh` when there is no call). */
  mode: liveMode,
  /** Participants in the call now. */
  participants: z.number().int().nonnegative(),
  /** A streaming room's stage (null unless it streams and a call or source is on). */
  stream: liveStreamState.nullable(),
});
export const liveSettingsBody = z
  .object({
    mediaMode: liveMediaMode.optional(),
    streaming: z.boolean().optional(),
    /** Replaces the streamer group (users and role). */
    streamers: liveStreamers.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'give at least one of mediaMode, streaming, streamers');

const errors = {
  400: {
    description: 'INVALID_MESSAGE: the body or a parameter does not match its schema.',
    schema: apiError,
  },
  401: { description: 'UNAUTHORIZED: no service key, or an unknown or revoked one.', schema: apiError },
  503: { description: 'STORE_UNAVAILABLE: the database is unreachable.', schema: apiError },
};
const roomNotFound = { description: 'ROOM_NOT_FOUND.', schema: apiError };

export const serviceOperations = {
  createUser: operation({
    id: 'serviceCreateUser',
    method: 'POST',
    path: '/api/service/users',
    tag: 'Service API',
    summary: 'Create a user',
    description:
      'A user of kind "service" with id `<id>@<domain>`, no password: sessions for it are minted ' +
      'with the sessions operation.',
    auth: 'serviceKey',
    body: createUserBody,
    responses: {
      201: { description: 'Created.', schema: z.object({ user: serviceUser }) },
      ...errors,
      409: {
        description: 'USERNAME_TAKEN: a user with that id exists (or the id is reserved).',
        schema: apiError,
      },
    },
  }),
  createSession: operation({
    id: 'serviceCreateSession',
    method: 'POST',
    path: '/api/service/users/:userId/sessions',
    tag: 'Service API',
    summary: 'Mint a session token for a user',
    description: 'Send the token in `hello` (WebSocket or TCP) to connect as that user.',
    auth: 'serviceKey',
    params: userParams,
    responses: {
      201: { description: 'A session token.', schema: z.object({ token: z.string() }) },
      ...errors,
      404: { description: 'USER_NOT_FOUND.', schema: apiError },
    },
  }),
  createRoom: operation({
    id: 'serviceCreateRoom',
    method: 'POST',
    path: '/api/service/rooms',
    tag: 'Service API',
    summary: 'Create a room',
    description: 'Named: persistent at once. Unnamed: lives in memory until members have come and all left.',
    auth: 'serviceKey',
    body: createRoomBody,
    responses: {
      201: { description: 'Created.', schema: z.object({ room: serviceRoom }) },
      ...errors,
      404: { description: 'USER_NOT_FOUND: the owner does not exist.', schema: apiError },
    },
  }),
  listRooms: operation({
    id: 'serviceListRooms',
    method: 'GET',
    path: '/api/service/rooms',
    tag: 'Service API',
    summary: 'List rooms',
    description: 'Persistent rooms (oldest first), then the unnamed rooms loaded on this server.',
    auth: 'serviceKey',
    query: listRoomsQuery,
    responses: {
      200: {
        description: 'A page of rooms.',
        schema: z.object({
          rooms: z.array(serviceRoom),
          total: z.number().int().nonnegative(),
          limit: z.number().int(),
          offset: z.number().int(),
        }),
      },
      ...errors,
    },
  }),
  listMembers: operation({
    id: 'serviceListMembers',
    method: 'GET',
    path: '/api/service/rooms/:id/members',
    tag: 'Service API',
    summary: "List a room's members",
    auth: 'serviceKey',
    params: roomParams,
    responses: {
      200: { description: 'The members.', schema: z.object({ members: z.array(member) }) },
      ...errors,
      404: roomNotFound,
    },
  }),
  setMember: operation({
    id: 'serviceSetMember',
    method: 'PUT',
    path: '/api/service/rooms/:id/members/:userId',
    tag: 'Service API',
    summary: 'Add a member or change their role',
    description:
      'Persistent rooms only (an unnamed room is 403 FORBIDDEN: its members are the users present). ' +
      'Emits member.joined, or member.updated for a role change.',
    auth: 'serviceKey',
    params: memberParams,
    body: setMemberBody,
    responses: {
      200: { description: 'The role was changed (or already was that).', schema: z.object({ member }) },
      201: { description: 'The user was added.', schema: z.object({ member }) },
      ...errors,
      403: { description: 'FORBIDDEN: the room is unnamed.', schema: apiError },
      404: { description: 'ROOM_NOT_FOUND or USER_NOT_FOUND.', schema: apiError },
      409: { description: 'ROOM_FULL.', schema: apiError },
    },
  }),
  removeMember: operation({
    id: 'serviceRemoveMember',
    method: 'DELETE',
    path: '/api/service/rooms/:id/members/:userId',
    tag: 'Service API',
    summary: 'Remove a member',
    description:
      'Emits member.left with reason "removed"; the user\'s connected sessions stop receiving the room. ' +
      'An unnamed room nobody is in any more is purged.',
    auth: 'serviceKey',
    params: memberParams,
    responses: {
      204: { description: 'Removed.' },
      ...errors,
      404: { description: 'ROOM_NOT_FOUND, or NOT_IN_ROOM: the user is not a member.', schema: apiError },
    },
  }),
  postMessage: operation({
    id: 'servicePostMessage',
    method: 'POST',
    path: '/api/service/rooms/:id/messages',
    tag: 'Service API',
    summary: 'Post a message',
    description:
      'As a member (`as`) or as the system (`system@<domain>`, "System"). Markdown, rendered once.',
    auth: 'serviceKey',
    params: roomParams,
    body: postMessageBody,
    responses: {
      201: { description: 'Posted.', schema: z.object({ epoch, seq, ts: timestamp }) },
      ...errors,
      404: { description: 'ROOM_NOT_FOUND, or NOT_IN_ROOM: `as` is not a member.', schema: apiError },
      413: { description: 'MESSAGE_TOO_LONG.', schema: apiError },
    },
  }),
  createInvite: operation({
    id: 'serviceCreateInvite',
    method: 'POST',
    path: '/api/service/rooms/:id/invites',
    tag: 'Service API',
    summary: 'Create an invite',
    description:
      'Single-use or public, by the system. Invites to an unnamed room die with it. The link is `url`, ' +
      'relative to the server.',
    auth: 'serviceKey',
    params: roomParams,
    body: createInviteBody,
    responses: {
      201: { description: 'Created.', schema: z.object({ invite }) },
      ...errors,
      404: roomNotFound,
    },
  }),
  readAudit: operation({
    id: 'serviceReadAudit',
    method: 'GET',
    path: '/api/service/rooms/:id/audit',
    tag: 'Service API',
    summary: "Read a room's moderation audit log, newest first",
    auth: 'serviceKey',
    params: roomParams,
    query: z.object({
      before: z.coerce.number().int().positive().optional(),
      limit: z.coerce.number().int().positive().max(200).optional(),
    }),
    responses: {
      200: {
        description: 'Who did what to whom, when and why; `more` when older entries exist.',
        schema: z.object({ entries: z.array(auditEntry), more: z.boolean() }),
      },
      ...errors,
      404: roomNotFound,
    },
  }),
  listInvites: operation({
    id: 'serviceListInvites',
    method: 'GET',
    path: '/api/service/rooms/:id/invites',
    tag: 'Service API',
    summary: "List a room's usable invites",
    auth: 'serviceKey',
    params: roomParams,
    responses: {
      200: {
        description: 'Invites not revoked, expired or used up.',
        schema: z.object({ invites: z.array(invite) }),
      },
      ...errors,
      404: roomNotFound,
    },
  }),
  revokeInvite: operation({
    id: 'serviceRevokeInvite',
    method: 'DELETE',
    path: '/api/service/rooms/:id/invites/:code',
    tag: 'Service API',
    summary: 'Revoke an invite',
    auth: 'serviceKey',
    params: inviteParams,
    responses: {
      204: { description: 'Revoked (revoking twice is fine).' },
      ...errors,
      404: {
        description: 'INVITE_INVALID (reason not_found): no such invite to this room.',
        schema: apiError,
      },
    },
  }),
  createStreamKey: operation({
    id: 'serviceCreateStreamKey',
    method: 'POST',
    path: '/api/service/rooms/:id/stream-keys',
    tag: 'Service API',
    summary: 'Create a WHIP stream key',
    description:
      'For a persistent room. `secret` is shown this once (only its hash is stored); an encoder ' +
      'publishes with it as the bearer token at `whipPath` (docs/obs.md). `name` is shown to viewers.',
    auth: 'serviceKey',
    params: roomParams,
    body: z.object({ name: streamKeyName }),
    responses: {
      201: { description: 'Created.', schema: issuedStreamKey },
      ...errors,
      404: roomNotFound,
      429: { description: 'LIMIT_EXCEEDED: the room has 50 keys.', schema: apiError },
    },
  }),
  listStreamKeys: operation({
    id: 'serviceListStreamKeys',
    method: 'GET',
    path: '/api/service/rooms/:id/stream-keys',
    tag: 'Service API',
    summary: "List a room's stream keys",
    auth: 'serviceKey',
    params: roomParams,
    responses: {
      200: {
        description: 'Every key, revoked ones too; never a secret.',
        schema: z.object({ keys: z.array(streamKeyView) }),
      },
      ...errors,
      404: roomNotFound,
    },
  }),
  rotateStreamKey: operation({
    id: 'serviceRotateStreamKey',
    method: 'POST',
    path: '/api/service/rooms/:id/stream-keys/:key/rotate',
    tag: 'Service API',
    summary: 'Rotate a stream key',
    description: 'A new secret for the key; the old one stops working and a source using it is cut.',
    auth: 'serviceKey',
    params: streamKeyParams,
    responses: {
      200: { description: 'The new secret.', schema: issuedStreamKey },
      ...errors,
      404: streamKeyNotFound,
    },
  }),
  revokeStreamKey: operation({
    id: 'serviceRevokeStreamKey',
    method: 'DELETE',
    path: '/api/service/rooms/:id/stream-keys/:key',
    tag: 'Service API',
    summary: 'Revoke a stream key',
    description: 'The key stops working for good; a source using it is cut.',
    auth: 'serviceKey',
    params: streamKeyParams,
    responses: {
      200: { description: 'Revoked (revoking twice is fine).', schema: z.object({ key: streamKeyView }) },
      ...errors,
      404: streamKeyNotFound,
    },
  }),
  getLive: operation({
    id: 'serviceGetLive',
    method: 'GET',
    path: '/api/service/rooms/:id/live',
    tag: 'Service API',
    summary: "A room's call settings (streaming, streamers, media mode)",
    description:
      'As stored (the defaults when never changed), with the mode of the running call, its size ' +
      'and, in a streaming room, its stage (source, state, viewer count).',
    auth: 'serviceKey',
    params: roomParams,
    responses: {
      200: { description: 'The settings and the call now.', schema: liveView },
      ...errors,
      404: roomNotFound,
    },
  }),
  setLive: operation({
    id: 'serviceSetLive',
    method: 'PATCH',
    path: '/api/service/rooms/:id/live',
    tag: 'Service API',
    summary: "Change a room's call settings",
    description:
      'Any subset, as the live.settings request of an owner: persisted, the room hears ' +
      '`live.settings`, and a running call follows at once (streaming on moves it to the SFU and ' +
      'picks a source; a source removed from the streamer group hands over and watches). ' +
      '`streamers` replaces the whole group.',
    auth: 'serviceKey',
    params: roomParams,
    body: liveSettingsBody,
    responses: {
      200: { description: 'The settings now, and the call.', schema: liveView },
      ...errors,
      404: roomNotFound,
      409: {
        description:
          'LIVE_FULL: `mesh` asked for a running SFU call larger than liveMeshMax; FORBIDDEN ' +
          '(reason `relay_running`): the call is a relayed broadcast, stop it first.',
        schema: apiError,
      },
      503: {
        description: 'SFU_UNAVAILABLE: streaming (or `sfu`) needs Janus and none is up; STORE_UNAVAILABLE.',
        schema: apiError,
      },
    },
  }),
} satisfies Record<string, ApiOperation>;
