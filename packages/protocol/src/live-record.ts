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

/** Recording ids: 22 URL-safe characters. */
export const recordingId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);

/** A finished recording of one publisher, as listed in its room. */
export const recording = z.object({
  id: recordingId,
  room: roomId,
  /** When the recording started and stopped (ms since the epoch). */
  startedAt: timestamp,
  endedAt: timestamp,
  /** Who started it (null when that user is gone). */
  by: userRef.nullable(),
  /** Whose media it holds (the publisher), when known. */
  publisher: userRef.nullable(),
  /** Bytes of the file. */
  size: z.number().int().nonnegative(),
  /** Playing time in seconds (null: unknown, ffprobe missing). */
  duration: z.number().nonnegative().nullable(),
  /** The media it holds, e.g. ["audio","video"]. */
  streams: z.array(z.enum(['audio', 'video'])),
  /** MIME type of the download (video/webm; audio/ogg or video/webm without ffmpeg). */
  type: z.string(),
  /** Relative URL of the download: GET with `Authorization: Bearer <session token>`. */
  url: z.string(),
});
export type Recording = z.infer<typeof recording>;

export const liveRecordRequestSchemas = {
  /** Owners and admins, in an SFU call: start (`on: true`) or stop recording it. */
  'live.record': request('live.record', { room: roomId, on: z.boolean() }),
  /** Members: the room's recordings, newest first (at most 100). */
  'live.recordings': request('live.recordings', { room: roomId }),
  /** Owners and admins: delete one recording (its file and its entry). */
  'live.recording.delete': request('live.recording.delete', { room: roomId, recording: recordingId }),
} as const;

export const liveRecordResultSchemas = {
  'live.record': z.object({ recording: liveRecordingState }),
  'live.recordings': z.object({ recordings: z.array(recording) }),
  'live.recording.delete': z.object({}),
} as const;

/** To everyone in the call: recording started (`recording` set) or stopped (`recording: null`). */
export const liveRecordEvent = z.object({
  type: z.literal('live.record'),
  room: roomId,
  recording: liveRecordingState,
  /** Who started or stopped it (null: stopped by the server, e.g. the call ended). */
  by: userRef.nullable(),
});

/** To the room's members present: a recording was converted and can be downloaded. */
export const liveRecordingReadyEvent = z.object({
  type: z.literal('live.recording.ready'),
  room: roomId,
  recording,
});

/** To the room's members present: a recording was deleted (by an owner or admin, or by age). */
export const liveRecordingDeletedEvent = z.object({
  type: z.literal('live.recording.deleted'),
  room: roomId,
  recording: recordingId,
});

export const liveRecordEventSchemas = {
  'live.record': liveRecordEvent,
  'live.recording.ready': liveRecordingReadyEvent,
  'live.recording.deleted': liveRecordingDeletedEvent,
} as const;
