import { z } from 'zod';
import { roomId } from './ids.js';
import { request } from './request-schema.js';

/** A stream key's display name: shown to viewers as the streamer. */
export const streamKeyName = z.string().trim().min(1).max(64);
const streamKeyId = z.string().min(1).max(64);

/** A stream key as owners and admins see it (never the secret, which is shown once). */
export const streamKeyView = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.number(),
  createdBy: z.string(),
  /** When it stopped working, or null while it works. */
  revokedAt: z.number().nullable(),
  /** Whether a WHIP source publishes with this key now (on this node). */
  live: z.boolean(),
});
export type StreamKeyView = z.infer<typeof streamKeyView>;

/** A new or rotated key: `secret` is shown this once, `whipPath` is the room's WHIP endpoint. */
const issuedKey = z.object({ key: streamKeyView, secret: z.string(), whipPath: z.string() });

export const streamKeyRequestSchemas = {
  /** Owners and admins of a persistent room: a new WHIP stream key named `name`. */
  'streamkey.create': request('streamkey.create', { room: roomId, name: streamKeyName }),
  /** Owners and admins: the room's keys (revoked ones too). */
  'streamkey.list': request('streamkey.list', { room: roomId }),
  /** Owners and admins: a new secret for a key (the old one stops working, a live source is cut). */
  'streamkey.rotate': request('streamkey.rotate', { room: roomId, key: streamKeyId }),
  /** Owners and admins: the key stops working for good; a live source using it is cut. */
  'streamkey.revoke': request('streamkey.revoke', { room: roomId, key: streamKeyId }),
} as const;

export const streamKeyResultSchemas = {
  'streamkey.create': issuedKey,
  'streamkey.list': z.object({ keys: z.array(streamKeyView), whipPath: z.string(), whepPath: z.string() }),
  'streamkey.rotate': issuedKey,
  'streamkey.revoke': z.object({ key: streamKeyView }),
} as const;
