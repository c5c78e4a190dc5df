import { z } from 'zod';
import { roomId } from './ids.js';
import { request } from './request-schema.js';

/** What a member wants to be notified of in a room: every message, mentions only, or nothing (muted). */
export const notifyLevel = z.enum(['all', 'mentions', 'none']);
export type NotifyLevel = z.infer<typeof notifyLevel>;

export const notificationRequestSchemas = {
  /** Set your notification level for a room (kept with the membership in named rooms). */
  'room.notify': request('room.notify', { room: roomId, level: notifyLevel }),
} as const;

export const notificationResultSchemas = {
  'room.notify': z.object({ level: notifyLevel }),
} as const;
