import { z } from 'zod';
import { roomId } from './ids.js';
import { userRef } from './models.js';
import { request } from './request-schema.js';

/** Deleting a room for good (its owner). */
export const roomLifeRequestSchemas = {
  'room.delete': request('room.delete', { room: roomId }),
} as const;

export const roomLifeResultSchemas = {
  'room.delete': z.object({}),
} as const;

/**
 * The room was deleted by its owner: its history, members, invites and files are gone. Sent to
 * every session in the room, which is then out of it. Not sequenced (the log is gone with it).
 */
export const roomDeletedEvent = z.object({
  type: z.literal('room.deleted'),
  room: roomId,
  by: userRef,
});
export type RoomDeletedEvent = z.infer<typeof roomDeletedEvent>;

export const roomLifeEventSchemas = { 'room.deleted': roomDeletedEvent } as const;
