import { stat, unlink } from 'node:fs/promises';
import { PresenceError, type Recording, type UserRef } from '@presence/protocol';
import type { RoomLog } from '../../rooms/room-log.js';
import type { RoomRegistry } from '../../rooms/room-registry.js';
import type { Actor } from '../../shared/actor.js';
import { randomId } from '../../shared/random-id.js';
import type { StoredRecording } from '../../store/recording-store.js';
import type { Store } from '../../store/store.js';
import type { CallRecorder, RecordingOutcome } from './call-recorder.js';

/** Entries listed per room at most (newest first). */
export const MAX_LISTED_RECORDINGS = 100;
/** Entries deleted per retention sweep at most (the next sweep takes the rest). */
const SWEEP_BATCH = 500;

/** A stopped recording as the live service knew it: who started it, whose feeds it holds. */
export interface StoppedRecording {
  room: string;
  since: number;
  endedAt: number;
  by: UserRef;
  /** Janus feed id → the publisher, for every publisher seen while recording. */
  publishers: ReadonlyMap<number, UserRef>;
}

/** Whether a user is a member of a room now (in a cluster, asked at the room's home). */
export type MembershipCheck = (roomId: string, userId: string) => Promise<boolean>;

/** `videoroom-<room>-user-<feed>`: Janus's file prefix names the publisher's feed. */
function feedOf(prefix: string): number | null {
  const m = /-user-(\d+)(?:-\d+)?$/.exec(prefix);
  return m ? Number(m[1]) : null;
}

function typeOf(file: string): string {
  return file.endsWith('.opus') ? 'audio/ogg' : 'video/webm';
}

export function recordingView(r: StoredRecording): Recording {
  const user = (id: string | null, name: string | null): UserRef | null =>
    id === null ? null : { id, name: name ?? id, avatar: `/avatars/${encodeURIComponent(id)}` };
  return {
    id: r.id,
    room: r.roomId,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    by: user(r.byId, r.byName),
    publisher: user(r.publisherId, r.publisherName),
    size: r.size,
    duration: r.durationMs === null ? null : r.durationMs / 1000,
    streams: r.streams.split(',').filter((s): s is 'audio' | 'video' => s === 'audio' || s === 'video'),
    type: r.type,
    url: `/api/recordings/${r.id}`,
  };
}

/**
 * Finished recordings of a room: entries in the store (`store.recordings`), files in the
 * recordings directory. Members list and download them; owners and admins delete them; the
 * retention sweep deletes old ones; the room's deletion takes them along. Everyone present in
 * the room hears of a new one (`live.recording.ready`) and of a deleted one.
 */
export class RecordingService {
  readonly #store: Store;
  readonly #registry: RoomRegistry;
  readonly #log: RoomLog;
  readonly #recorder: CallRecorder;
  readonly #isMember: MembershipCheck;

  constructor(deps: {
    store: Store;
    registry: RoomRegistry;
    log: RoomLog;
    recorder: CallRecorder;
    isMember: MembershipCheck;
  }) {
    this.#store = deps.store;
    this.#registry = deps.registry;
    this.#log = deps.log;
    this.#recorder = deps.recorder;
    this.#isMember = deps.isMember;
  }

  /** Enters the converted files of a stopped recording; failed conversions are not listed. */
  async saved(stopped: StoppedRecording, outcomes: readonly RecordingOutcome[]): Promise<Recording[]> {
    const out: Recording[] = [];
    for (const o of outcomes) {
      if (o.result.state !== 'ready') continue;
      const feed = feedOf(o.prefix);
      const publisher = feed === null ? undefined : stopped.publishers.get(feed);
      for (const f of o.result.files) {
        const entry: StoredRecording = {
          id: randomId(22),
          roomId: stopped.room,
          startedAt: stopped.since,
          endedAt: stopped.endedAt,
          byId: stopped.by.id,
          byName: stopped.by.name,
          publisherId: publisher?.id ?? null,
          publisherName: publisher?.name ?? null,
          file: f.name,
          type: typeOf(f.name),
          size: f.size,
          durationMs: o.result.durationSec === null ? null : Math.round(o.result.durationSec * 1000),
          // Without ffmpeg audio and video stay apart, and ffprobe described only the first.
          streams: (o.result.muxed || o.result.files.length === 1
            ? o.result.streams
            : [f.name.endsWith('.opus') ? 'audio' : 'video']
          ).join(','),
          createdAt: Date.now(),
        };
        await this.#store.recordings.addRecording(entry);
        const view = recordingView(entry);
        out.push(view);
        await this.#tell(stopped.room, { type: 'live.recording.ready', room: stopped.room, recording: view });
      }
    }
    return out;
  }

  /** A room's recordings, newest first: its members only. */
  async list(actor: Actor, roomId: string): Promise<Recording[]> {
    if (!(await this.#isMember(roomId, actor.user.id))) throw new PresenceError('NOT_IN_ROOM');
    const rows = await this.#store.recordings.listRecordings(roomId, MAX_LISTED_RECORDINGS);
    return rows.map(recordingView);
  }

  /** The file of a recording, for its room's members (FILE_NOT_FOUND otherwise, as for files). */
  async open(userId: string, id: string): Promise<{ recording: Recording; path: string; size: number }> {
    const entry = /^[A-Za-z0-9_-]{1,64}$/.test(id)
      ? await this.#store.recordings.getRecording(id)
      : undefined;
    // A non-member learns nothing, not even that the recording exists.
    if (!entry || !(await this.#isMember(entry.roomId, userId))) throw new PresenceError('FILE_NOT_FOUND');
    const path = this.#recorder.path(entry.roomId, entry.file);
    const info = await stat(path).catch(() => null);
    if (!info) {
      throw new PresenceError(
        'FILE_NOT_FOUND',
        'The recording is listed but its file is not in this server’s recordings directory (in a cluster, share --recordings-dir between nodes).',
      );
    }
    return { recording: recordingView(entry), path, size: info.size };
  }

  /** Owners and admins of the room: deletes the entry and the file. */
  async delete(actor: Actor, roomId: string, id: string): Promise<void> {
    const role = await this.#roleOf(roomId, actor.user.id);
    if (role === null) throw new PresenceError('NOT_IN_ROOM');
    if (role !== 'owner' && role !== 'admin')
      throw new PresenceError('FORBIDDEN', 'Only owners and admins delete recordings.');
    const entry = await this.#store.recordings.getRecording(id);
    if (!entry || entry.roomId !== roomId) throw new PresenceError('FILE_NOT_FOUND');
    await this.#remove(entry);
  }

  /** Deletes entries (and files) older than `days` days; 0 keeps everything. */
  async sweep(days: number, now = Date.now()): Promise<number> {
    if (days <= 0) return 0;
    const old = await this.#store.recordings.recordingsBefore(now - days * 86_400_000, SWEEP_BATCH);
    for (const entry of old) await this.#remove(entry);
    // Files without an entry (raw directories, failed conversions) go by their age.
    return old.length + (await this.#recorder.sweep(days, now));
  }

  /** The room is being deleted: its recordings go with it. */
  async removeRoom(roomId: string): Promise<void> {
    for (const entry of await this.#store.recordings.deleteRoomRecordings(roomId)) {
      await unlink(this.#recorder.path(entry.roomId, entry.file)).catch(() => undefined);
    }
  }

  async #remove(entry: StoredRecording): Promise<void> {
    await unlink(this.#recorder.path(entry.roomId, entry.file)).catch(() => undefined);
    if (await this.#store.recordings.deleteRecording(entry.id)) {
      await this.#tell(entry.roomId, {
        type: 'live.recording.deleted',
        room: entry.roomId,
        recording: entry.id,
      });
    }
  }

  async #roleOf(roomId: string, userId: string): Promise<string | null> {
    const loaded = this.#registry.loaded(roomId);
    if (loaded) return loaded.members.get(userId)?.role ?? null;
    return (await this.#store.getMember(roomId, userId))?.role ?? null;
  }

  /** To the members present, when the room is loaded here (nobody is present otherwise). */
  async #tell(roomId: string, event: object): Promise<void> {
    const room = this.#registry.loaded(roomId);
    if (room) await this.#log.transient(room, event);
  }
}
