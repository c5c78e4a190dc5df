import { z } from 'zod';
import { roomId } from './ids.js';
import { request } from './request-schema.js';

/** Upper bounds the schemas enforce. */
export const RELAY_LIMITS = {
  /** Stream bitrate a source may announce (bits/s). */
  maxBitrateBps: 50_000_000,
  /** What a viewer may say it sends (bits/s, from getStats). */
  maxReportedBps: 10_000_000_000,
} as const;

const participantId = z.string().min(1).max(64);

export const liveRelayRequestSchemas = {
  /**
   * Start a relayed broadcast in the room's call: you (a call participant; owners and admins only)
   * become the source, every other participant a viewer. `bitrateBps` is what you send (the
   * planner gives each relay uplink ÷ bitrate children); `direct: true` lets peers see each
   * other's addresses (else relay edges use TURN only).
   */
  'live.relay.start': request('live.relay.start', {
    room: roomId,
    bitrateBps: z.number().int().positive().max(RELAY_LIMITS.maxBitrateBps).optional(),
    direct: z.boolean().optional(),
  }),
  /** End the broadcast (the source, owners and admins): the call goes back to mesh. */
  'live.relay.stop': request('live.relay.stop', { room: roomId }),
  /** A one-time upload probe: POST `bytes` bytes to `url`; the server times the upload itself. */
  'live.relay.probe': request('live.relay.probe', { room: roomId }),
  /**
   * What a viewer saw: `silent` = the participant it receives from sent no frames for the
   * assignment's `silenceMs` (it has switched to its backup already); `sendingBps` = what it
   * forwards to its children now (getStats `bytesSent`).
   */
  'live.relay.report': request('live.relay.report', {
    room: roomId,
    silent: participantId.optional(),
    sendingBps: z.number().nonnegative().max(RELAY_LIMITS.maxReportedBps).optional(),
  }),
  /** Whether you forward to other viewers (false: you stay a leaf). Default true. */
  'live.relay.prefs': request('live.relay.prefs', { room: roomId, relay: z.boolean() }),
} as const;

export const liveRelayResultSchemas = {
  'live.relay.start': z.object({ source: z.string() }),
  'live.relay.stop': z.object({}),
  'live.relay.probe': z.object({
    /** Path on this server (same origin as the API), to POST the bytes to. */
    url: z.string(),
    bytes: z.number().int().positive(),
    expiresAt: z.number().int(),
  }),
  'live.relay.report': z.object({}),
  'live.relay.prefs': z.object({ relay: z.boolean() }),
} as const;

/**
 * Your place in the room's relay tree, sent to you alone whenever it changes (and after
 * live.join in a relayed call). A viewer offers (live.signal) to `parent` and receives the stream
 * from it; it accepts offers from up to `capacity` viewers and forwards the stream to them
 * (`children` is who the server sent its way). When `parent` stops sending for `silenceMs` or
 * leaves, the viewer switches to `backup` at once and reports it (live.relay.report `silent`).
 * The source receives nothing (`parent: null`) and sends its own media to its children.
 */
export const liveRelayAssignEvent = z.object({
  type: z.literal('live.relay.assign'),
  room: roomId,
  role: z.enum(['source', 'viewer']),
  source: z.string(),
  /** Who you receive from (the source or another viewer); null: no slot yet, wait. */
  parent: z.string().nullable(),
  /** Who to switch to when the parent goes silent; null: none (wait for the next assignment). */
  backup: z.string().nullable(),
  children: z.array(z.string()),
  /** Most children you may serve (measured uplink ÷ bitrate, with headroom). */
  capacity: z.number().int().nonnegative(),
  /** 1 = fed by the source; null for the source and for unserved viewers. */
  depth: z.number().int().positive().nullable(),
  /** `relay`: use iceTransportPolicy 'relay' (the server drops other candidates on relay edges). */
  icePolicy: z.enum(['all', 'relay']),
  silenceMs: z.number().int().positive(),
  bitrateBps: z.number().int().positive(),
});
export type LiveRelayAssign = z.infer<typeof liveRelayAssignEvent>;

export const liveRelayEventSchemas = {
  'live.relay.assign': liveRelayAssignEvent,
} as const;
