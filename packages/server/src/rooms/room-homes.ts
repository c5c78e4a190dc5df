/**
 * Which node may hold a room in memory. A room's state (members, seq, calls) lives on exactly one
 * node, its home; every other node forwards room operations there (routing/cluster-room-ops.ts).
 * A single node is the home of every room.
 */
export interface RoomHomes {
  /** Become (or confirm being) the room's home. False when another live node is its home. */
  claim(roomId: string): Promise<boolean>;
  /** This node stops being the room's home (the room was unloaded or purged). */
  release(roomId: string): void;
}

/** One node, home of everything. */
export const SINGLE_NODE_HOMES: RoomHomes = {
  claim: () => Promise.resolve(true),
  release: () => undefined,
};

/** Thrown by the registry when a room's home is another node; the router forwards the operation. */
export class RoomElsewhereError extends Error {
  readonly roomId: string;
  constructor(roomId: string) {
    super(`room ${roomId} is served by another node`);
    this.name = 'RoomElsewhereError';
    this.roomId = roomId;
  }
}
