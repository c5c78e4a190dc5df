import type { LiveRoomSettings } from '@presence/protocol';

/** Durable call settings of rooms (`store.live`): media mode, streaming and the streamer group. */
export interface LiveSettingsStore {
  /** undefined when the room never changed them (the defaults apply). */
  get(roomId: string): Promise<LiveRoomSettings | undefined>;
  put(roomId: string, settings: LiveRoomSettings): Promise<void>;
}
