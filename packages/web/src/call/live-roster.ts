import type {
  LiveParticipant,
  LiveRecordingState,
  LiveRoomSettings,
  LiveStreamState,
  ServerMessage,
} from '@presence/protocol';
import { Emitter } from '../emitter.ts';

/** The call events the server fans out to the whole room (signals go to one session instead). */
export type LiveRoomEvent = Extract<ServerMessage, { type: 'live.joined' | 'live.left' | 'live.updated' }>;
export type LiveSignalEvent = Extract<ServerMessage, { type: 'live.signal' }>;

export interface LiveRosterEvents extends Record<string, unknown> {
  /** Anything changed (for views). */
  change: void;
  joined: LiveParticipant;
  left: string;
  /** The same participant before and after (status, media or speaking changed). */
  updated: { prev: LiveParticipant | undefined; next: LiveParticipant };
}

/**
 * Who is in a room's call, for everyone in the room (in the call or not): seeded by the `live`
 * list of a room.join reply or a live.join snapshot, then kept current by live.* events.
 */
export class LiveRoster extends Emitter<LiveRosterEvents> {
  readonly participants = new Map<string, LiveParticipant>();
  /** The room's call settings (streaming room or not), from room.join, live.join and live.settings. */
  settings: LiveRoomSettings | null = null;
  /** A streaming room's stage (source, state, viewer count), from joins and live.stream. */
  stream: LiveStreamState | null = null;
  /** The call's recording (who started it, when), from live.join and live.record; null: none. */
  recording: LiveRecordingState = null;

  /** Whether the room is a streaming room (one source, everyone else watches). */
  get streaming(): boolean {
    return this.settings?.streaming === true;
  }

  setSettings(settings: LiveRoomSettings | null | undefined): void {
    if (settings === undefined) return;
    this.settings = settings;
    if (!settings?.streaming) this.stream = null;
    this.emit('change', undefined);
  }

  setStream(stream: LiveStreamState | null | undefined): void {
    if (stream === undefined) return;
    this.stream = stream;
    this.emit('change', undefined);
  }

  setRecording(recording: LiveRecordingState | undefined): void {
    this.recording = recording ?? null;
    this.emit('change', undefined);
  }

  get size(): number {
    return this.participants.size;
  }

  /** In join order (rank), which is also the order of the tiles. */
  list(): LiveParticipant[] {
    return [...this.participants.values()].sort((a, b) => a.rank - b.rank);
  }

  /** Replace everything with a snapshot (it is authoritative: events may have been missed). */
  reset(list: readonly LiveParticipant[]): void {
    this.participants.clear();
    for (const p of list) this.participants.set(p.id, p);
    this.emit('change', undefined);
  }

  apply(event: LiveRoomEvent): void {
    if (event.type === 'live.left') {
      if (!this.participants.delete(event.participant)) return;
      this.emit('left', event.participant);
    } else {
      const prev = this.participants.get(event.participant.id);
      this.participants.set(event.participant.id, event.participant);
      if (event.type === 'live.joined' && !prev) this.emit('joined', event.participant);
      else this.emit('updated', { prev, next: event.participant });
    }
    this.emit('change', undefined);
  }
}
export type LiveSfuOfferEvent = Extract<ServerMessage, { type: 'live.sfu.offer' }>;
export type LiveModeEvent = Extract<ServerMessage, { type: 'live.mode' }>;
