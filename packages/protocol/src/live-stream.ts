import { z } from 'zod';
import { roomId, timestamp, userId } from './ids.js';
import { liveMediaMode, liveMode } from './live.js';
import { roomRole, userRef } from './models.js';
import { request } from './request-schema.js';

/** Bounds of the streaming schemas. */
export const STREAM_LIMITS = { streamerUsers: 100 } as const;

/**
 * Who may be a streaming room's source: the users listed, plus everyone whose role is `role` or
 * higher (owner > admin > member > guest); `role: null` = only the users listed. Owners can
 * always configure a room, but stream only when this group includes them.
 */
export const liveStreamers = z.object({
  users: z.array(userId).max(STREAM_LIMITS.streamerUsers),
  role: roomRole.nullable(),
});
export type LiveStreamers = z.infer<typeof liveStreamers>;

/** A room's call settings, persisted with the room. */
export const liveRoomSettings = z.object({
  /** mesh, sfu or auto (mesh up to liveMeshMax, SFU above). */
  mediaMode: liveMediaMode,
  /** A streaming room: one source (a streamer) at a time, everyone else watches. Needs the SFU. */
  streaming: z.boolean(),
  streamers: liveStreamers,
});
export type LiveRoomSettings = z.infer<typeof liveRoomSettings>;

/**
 * The source of a streaming room: a participant of the call (a streamer's session), or a source
 * outside the call (an encoder such as OBS publishing over WHIP).
 */
export const liveStreamSource = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('participant'), participant: z.string(), user: userRef }),
  z.object({ kind: z.literal('external'), id: z.string(), displayName: z.string() }),
]);
export type LiveStreamSource = z.infer<typeof liveStreamSource>;

/**
 * A streaming room's stage. `waiting`: no source has been live in this call yet; `live`: `source`
 * streams; `ended`: the source left and no other streamer was present (a streamer joining starts
 * it again). `viewers` counts the call's participants that watch (everyone but the source).
 */
export const liveStreamState = z.object({
  state: z.enum(['waiting', 'live', 'ended']),
  source: liveStreamSource.nullable(),
  viewers: z.number().int().nonnegative(),
  /** When the current source went live (null unless live). */
  since: timestamp.nullable(),
});
export type LiveStreamState = z.infer<typeof liveStreamState>;

export const liveStreamRequestSchemas = {
  /**
   * Owners and admins: change the room's call settings (any subset). Persisted; a running call
   * follows at once (turning streaming on moves it to the SFU and picks a source).
   */
  'live.settings': request('live.settings', {
    room: roomId,
    mediaMode: liveMediaMode.optional(),
    streaming: z.boolean().optional(),
    streamers: liveStreamers.optional(),
  }),
} as const;

export const liveStreamResultSchemas = {
  'live.settings': z.object({ settings: liveRoomSettings, mode: liveMode }),
} as const;

/** To the room: its call settings changed (live.settings or live.mode). */
export const liveSettingsEvent = z.object({
  type: z.literal('live.settings'),
  room: roomId,
  settings: liveRoomSettings,
});

/**
 * To the room: a streaming room's stage changed (source, state, or viewer count; changes of the
 * viewer count alone are coalesced to at most one event a second).
 */
export const liveStreamEvent = z.object({
  type: z.literal('live.stream'),
  room: roomId,
  stream: liveStreamState,
});

export const liveStreamEventSchemas = {
  'live.settings': liveSettingsEvent,
  'live.stream': liveStreamEvent,
} as const;
