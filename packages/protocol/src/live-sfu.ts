import { z } from 'zod';
import { roomId } from './ids.js';
import { LIVE_LIMITS, liveMediaMode, liveMode } from './live.js';
import { request } from './request-schema.js';

/** An ICE candidate for one of your two SFU PeerConnections; null marks the end of candidates. */
const sfuCandidate = z
  .object({
    candidate: z.string().max(LIVE_LIMITS.candidateLength),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().nonnegative().max(1024).nullable().optional(),
    usernameFragment: z.string().max(256).nullable().optional(),
  })
  .nullable();
const sdp = z.string().min(1).max(LIVE_LIMITS.sdpLength);
/** Which of your SFU PeerConnections: the one you send on, or the one you receive everyone on. */
const sfuTarget = z.enum(['publisher', 'subscriber']);

/** In an SFU offer: which mids of the subscriber PeerConnection carry which participant. */
export const sfuStream = z.object({ participant: z.string(), mids: z.array(z.string()) });

export const liveSfuRequestSchemas = {
  /** Owners and admins: set the room's media mode (mesh, sfu or auto). */
  'live.mode': request('live.mode', { room: roomId, mode: liveMediaMode }),
  /** SFU mode: publish (or renegotiate / ICE-restart) your media; the reply is the SFU's answer. */
  'live.sfu.publish': request('live.sfu.publish', { room: roomId, sdp }),
  /** Stop publishing (you keep watching). */
  'live.sfu.unpublish': request('live.sfu.unpublish', { room: roomId }),
  /** Your answer to the last live.sfu.offer. */
  'live.sfu.answer': request('live.sfu.answer', { room: roomId, sdp }),
  /** Trickle an ICE candidate to the SFU. */
  'live.sfu.candidate': request('live.sfu.candidate', {
    room: roomId,
    target: sfuTarget,
    candidate: sfuCandidate,
  }),
  /** Your subscriber PeerConnection failed: the SFU sends a fresh offer (ICE restart). */
  'live.sfu.restart': request('live.sfu.restart', { room: roomId }),
} as const;

export const liveSfuResultSchemas = {
  'live.mode': z.object({ mediaMode: liveMediaMode, mode: liveMode }),
  'live.sfu.publish': z.object({ sdp }),
  'live.sfu.unpublish': z.object({}),
  'live.sfu.answer': z.object({}),
  'live.sfu.candidate': z.object({}),
  'live.sfu.restart': z.object({}),
} as const;

/**
 * The call's media mode changed, or its SFU room was re-created after the SFU failed (`reset`).
 * To the whole room. On `mode: 'sfu'` every participant closes its mesh PeerConnections (and any
 * old SFU ones) and publishes with live.sfu.publish; on `mode: 'mesh'` it closes its SFU
 * PeerConnections and offers to every other participant as after a live.join.
 */
export const liveModeEvent = z.object({
  type: z.literal('live.mode'),
  room: roomId,
  mode: liveMode,
  mediaMode: liveMediaMode,
  /** setting: live.mode; grew: more than liveMeshMax joined; reset: the SFU restarted; ended: the SFU is gone for good. */
  reason: z.enum(['setting', 'grew', 'reset', 'ended']),
});

/**
 * The SFU offers your subscriber PeerConnection (one for everyone you watch). Answer with
 * live.sfu.answer. Sent to you only; a later offer replaces the subscription (publishers came or went).
 */
export const liveSfuOfferEvent = z.object({
  type: z.literal('live.sfu.offer'),
  room: roomId,
  sdp,
  streams: z.array(sfuStream),
});

export const liveSfuEventSchemas = {
  'live.mode': liveModeEvent,
  'live.sfu.offer': liveSfuOfferEvent,
} as const;
