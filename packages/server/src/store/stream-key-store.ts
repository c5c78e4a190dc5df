/** WHIP stream keys of rooms: only SHA-256 hashes are stored (live/whip/stream-keys.ts makes them). */
export interface StoredStreamKey {
  id: string;
  roomId: string;
  /** Shown to viewers as the streamer. */
  displayName: string;
  keyHash: string;
  createdBy: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface StreamKeyStore {
  createStreamKey(key: StoredStreamKey): Promise<void>;
  /** The key with this hash, revoked or not. */
  findStreamKeyByHash(keyHash: string): Promise<StoredStreamKey | undefined>;
  getStreamKey(id: string): Promise<StoredStreamKey | undefined>;
  /** A room's keys, oldest first, revoked ones included. */
  listStreamKeys(roomId: string): Promise<StoredStreamKey[]>;
  /** Replace a live key's secret (rotation); false when there is no such unrevoked key. */
  replaceStreamKeyHash(id: string, keyHash: string): Promise<boolean>;
  /** False when no such key exists; revoking twice keeps the first time. */
  revokeStreamKey(id: string, now: number): Promise<boolean>;
}
