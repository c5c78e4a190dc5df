/** A finished recording of one publisher (live/recording/recording-service.ts makes them). */
export interface StoredRecording {
  id: string;
  roomId: string;
  startedAt: number;
  endedAt: number;
  /** Who started the recording, as they were then. */
  byId: string | null;
  byName: string | null;
  /** Whose media it holds, when known. */
  publisherId: string | null;
  publisherName: string | null;
  /** The file's name inside the room's directory under the recordings dir. */
  file: string;
  type: string;
  size: number;
  durationMs: number | null;
  /** Comma-separated media kinds: "audio,video". */
  streams: string;
  createdAt: number;
}

/** Recordings' entries (`store.recordings`): the bytes stay in the recordings directory. */
export interface RecordingStore {
  addRecording(r: StoredRecording): Promise<void>;
  getRecording(id: string): Promise<StoredRecording | undefined>;
  /** A room's recordings, newest first, at most `limit`. */
  listRecordings(roomId: string, limit: number): Promise<StoredRecording[]>;
  /** False when there was no such entry. */
  deleteRecording(id: string): Promise<boolean>;
  /** Entries created before `before` (oldest first, at most `limit`), for the retention sweep. */
  recordingsBefore(before: number, limit: number): Promise<StoredRecording[]>;
  /** Every entry of a room (the room is being deleted); returns them so their files can go too. */
  deleteRoomRecordings(roomId: string): Promise<StoredRecording[]>;
}
