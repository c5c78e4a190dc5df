/**
 * The Broker seam: every fan-out goes through it. The in-process broker is the default; a Redis
 * broker (pub/sub for fan-out, streams for the recent window) implements the same interface for a
 * cluster. Messages cross it already serialized, so each node builds its outbound frame from the
 * same JSON string without serializing again.
 */
export interface BrokerMessage {
  room: string;
  /** The room event's seq; null for transient messages (typing) that are not kept or replayed. */
  seq: number | null;
  /** The message exactly as clients receive it. */
  json: string;
  /**
   * The same event in the lean shape for `v: 2` sessions (a live chat message: sender by id, no
   * epoch, no html when plain), serialized once like `json`; absent for everything else.
   */
  lean?: string;
}

export type BrokerListener = (message: BrokerMessage) => void;

/** A sequenced event as the recent window keeps it. */
export interface RecentEntry {
  seq: number;
  json: string;
}

export interface Broker {
  /**
   * Deliver to every subscriber of `message.room` on every node, in publish order per room.
   * A sequenced message is first appended to the room's recent window under `epoch`.
   */
  publish(message: BrokerMessage, epoch?: string): Promise<void>;
  /** Receive a room's messages on this node. Returns the unsubscribe function. */
  subscribe(room: string, listener: BrokerListener): () => void;
  /**
   * Start (or restart) a room's recent window at `lastSeq` under `epoch`, e.g. when a persistent
   * room is loaded from the store; events already known before `lastSeq` are not in the window.
   */
  resetWindow(room: string, epoch: string, lastSeq: number): Promise<void>;
  /**
   * Sequenced events with seq > `after`, oldest first, if the window still reaches back that far
   * under the same epoch; null when it does not (the caller then falls back to the store).
   */
  since(room: string, epoch: string, after: number): Promise<RecentEntry[] | null>;
  /** The latest `count` sequenced events, oldest first ([] when the room is unknown). */
  latest(room: string, count: number): Promise<RecentEntry[]>;
  /** Forget a room's window (the room was purged or unloaded). */
  dropRoom(room: string): Promise<void>;
  /**
   * Directed messages: deliver `json` to whoever listens on `address` (a session id for WebRTC
   * signaling; `user:<id>` for what is addressed to a user), wherever that is. Nothing is kept: a
   * message nobody listens for is dropped. Resolves with how many nodes listened.
   */
  sendDirect(address: string, json: string): Promise<number>;
  /** Listen on an address on this node (one listener per address). Returns the unsubscribe function. */
  subscribeDirect(address: string, listener: (json: string) => void): () => void;
  /** False while the broker cannot deliver (Redis unreachable); /healthz reports it. */
  healthy(): boolean;
  close(): Promise<void>;
}
