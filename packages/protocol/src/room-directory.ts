import { z } from 'zod';
import { timestamp } from './ids.js';
import { roomInfo } from './models.js';

/**
 * What is live in a room now, as a directory shows it: a call (people talking in it) or a stream
 * (a source broadcasting to viewers). `since`: when the call started, or when the source went live.
 */
export const roomLive = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('call'),
    participants: z.number().int().nonnegative(),
    since: timestamp,
  }),
  z.object({
    kind: z.literal('stream'),
    viewers: z.number().int().nonnegative(),
    since: timestamp,
  }),
]);
export type RoomLive = z.infer<typeof roomLive>;

/** A room as a directory lists it: its info, and `live` while its call or stream is on. */
export const directoryRoom = roomInfo.extend({ live: roomLive.optional() });
export type DirectoryRoom = z.infer<typeof directoryRoom>;
