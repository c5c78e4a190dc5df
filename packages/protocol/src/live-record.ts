import { z } from 'zod';
import { roomId, timestamp } from './ids.js';
import { userRef } from './models.js';
import { request } from './request-schema.js';

/** A call's recording right now: who started it and when (null: not recording). */
export const liveRecordingState = z
  .object({
    by: userRef,
    since: timestamp,
  })
  .nullable();
export type LiveRecordingState = z.infer<typeof liveRecordingState>;

export const liveRecordRequestSchemas = {
  /** Owners and admins, in an SFU call: start (`on: true`) or stop recording it. */
  'live.record': request('live.record', { room: roomId, on: z.boolean() }),
} as const;

export const liveRecordResultSchemas = {
  'live.record': z.object({ recording: liveRecordingState }),
} as const;

/** To everyone in the call: recording started (`recording` set) or stopped (`recording: null`). */
export const liveRecordEvent = z.object({
  type: z.literal('live.record'),
  room: roomId,
  recording: liveRecordingState,
  /** Who started or stopped it (null: stopped by the server, e.g. the call ended). */
  by: userRef.nullable(),
});

export const liveRecordEventSchemas = {
  'live.record': liveRecordEvent,
} as const;
