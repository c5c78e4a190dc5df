import { z } from 'zod';
import { roomId, timestamp } from './ids.js';
import { userRef } from './models.js';
import { request } from './request-schema.js';

/** Upper bounds the schemas enforce; the server may be configured lower. */
export const LIVE_LIMITS = { sdpLength: 64_000, candidateLength: 2_000 } as const;

/** What a participant sends. */
export const liveMedia = z.object({
  audio: z.boolean(),
  video: z.boolean(),
  screen: z.boolean(),
});
export type LiveMedia = z.infer<typeof liveMedia>;

/**
 * One session in a room's call. `id` is the participant id (one per session: a user with two
 * devices in the call is two participants). `rank` grows with each join in the room: for every
 * pair the participant with the higher rank (who joined later) is the *polite* peer of perfect
 * negotiation, and it sends the first offer.
 */
export const liveParticipant = z.object({
  id: z.string(),
  user: userRef,
  media: liveMedia,
  speaking: z.boolean(),
  /** `reconnecting` while the participant's connection is gone but its session is in its grace period. */
  status: z.enum(['connected', 'reconnecting']),
  rank: z.number().int().positive(),
  joinedAt: timestamp,
  /** Present on a source that is not a session: `whip` = an encoder publishing over WHIP (OBS). */
  external: z.literal('whip').optional(),
});
export type LiveParticipant = z.infer<typeof liveParticipant>;

/** RTCConfiguration.iceServers plus when the TURN credentials expire (refresh with live.ice before). */
export const iceConfig = z.object({
  iceServers: z.array(
    z.object({
      urls: z.array(z.string()),
      username: z.string().optional(),
      credential: z.string().optional(),
    }),
  ),
  /** When the TURN credentials stop working; null when there are none. */
  expiresAt: timestamp.nullable(),
});
export type IceConfig = z.infer<typeof iceConfig>;

/** A WebRTC signaling payload, relayed verbatim to one participant. */
export const liveSignal = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('offer'), sdp: z.string().min(1).max(LIVE_LIMITS.sdpLength) }),
  z.object({ kind: z.literal('answer'), sdp: z.string().min(1).max(LIVE_LIMITS.sdpLength) }),
  z.object({
    kind: z.literal('candidate'),
    /** null marks the end of candidates. */
    candidate: z
      .object({
        candidate: z.string().max(LIVE_LIMITS.candidateLength),
        sdpMid: z.string().max(64).nullable().optional(),
        sdpMLineIndex: z.number().int().nonnegative().max(1024).nullable().optional(),
        usernameFragment: z.string().max(256).nullable().optional(),
      })
      .nullable(),
  }),
]);
export type LiveSignal = z.infer<typeof liveSignal>;

/**
 * How the call's media travels now: peer to peer, through the SFU, or down a relay tree of
 * viewers (a broadcast started with live.relay.start; see live-relay.ts).
 */
export const liveMode = z.enum(['mesh', 'sfu', 'relay']);
/** The room's setting: always mesh, always SFU, or auto (mesh up to liveMeshMax, SFU above). */
export const liveMediaMode = z.enum(['mesh', 'sfu', 'auto']);
export type LiveMediaMode = z.infer<typeof liveMediaMode>;

export const liveRequestSchemas = {
  /** Join the room's call (idempotent: again after a reconnect to get a fresh snapshot and ICE). */
  'live.join': request('live.join', { room: roomId, media: liveMedia.partial().optional() }),
  'live.leave': request('live.leave', { room: roomId }),
  /** Change what you send or whether you are speaking. */
  'live.media': request('live.media', {
    room: roomId,
    audio: z.boolean().optional(),
    video: z.boolean().optional(),
    screen: z.boolean().optional(),
    speaking: z.boolean().optional(),
  }),
  /** Send an offer, answer or ICE candidate to one participant of the same call. */
  'live.signal': request('live.signal', { room: roomId, to: z.string().min(1).max(64), signal: liveSignal }),
  /** Fresh ICE servers and TURN credentials (before `ice.expiresAt`). */
  'live.ice': request('live.ice', { room: roomId }),
} as const;

export const liveResultSchemas = {
  'live.join': z.object({
    /** mesh: send offers to the participants below; sfu: publish with live.sfu.publish instead; relay: wait for live.relay.assign. */
    mode: liveMode,
    /** The room's media setting (mode follows it). */
    mediaMode: liveMediaMode,
    you: liveParticipant,
    /** Everyone else in the call. You (the newer, polite side) send each of them an offer. */
    participants: z.array(liveParticipant),
    ice: iceConfig,
  }),
  'live.leave': z.object({}),
  'live.media': z.object({ participant: liveParticipant }),
  'live.signal': z.object({}),
  'live.ice': z.object({ ice: iceConfig }),
} as const;

export const liveJoinedEvent = z.object({
  type: z.literal('live.joined'),
  room: roomId,
  participant: liveParticipant,
});
export const liveLeftEvent = z.object({
  type: z.literal('live.left'),
  room: roomId,
  participant: z.string(),
  user: userRef,
  reason: z.enum(['left', 'timeout', 'removed']),
});
/** Media state, speaking or connection status of a participant changed. */
export const liveUpdatedEvent = z.object({
  type: z.literal('live.updated'),
  room: roomId,
  participant: liveParticipant,
});
/** A signaling payload addressed to you. Sent to one connection only, never to the room. */
export const liveSignalEvent = z.object({
  type: z.literal('live.signal'),
  room: roomId,
  from: z.string(),
  user: userRef,
  signal: liveSignal,
});

export const liveEventSchemas = {
  'live.joined': liveJoinedEvent,
  'live.left': liveLeftEvent,
  'live.updated': liveUpdatedEvent,
  'live.signal': liveSignalEvent,
} as const;
