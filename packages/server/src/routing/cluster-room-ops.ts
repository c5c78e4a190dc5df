import { PresenceError } from '@presence/protocol';
import { RoomElsewhereError } from '../rooms/room-homes.js';
import { ROOM_OP_NAMES, type LocalRoomOps, type RoomOpName, type RoomOps } from './room-ops.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import type { NodeRegistry } from './node-registry.js';
import { NodeUnreachableError, type NodeRpc } from './node-rpc.js';

type AnyOp = (roomId: string, ...rest: unknown[]) => Promise<unknown>;

/**
 * Room operations in a cluster: each runs on the room's home node. A room nobody holds is claimed
 * by the node that needs it (and loaded from the store); a room held elsewhere is forwarded there
 * over NodeRpc. When the home is gone, the operation retries until its lease lapses and the room
 * can be taken over, so a node dying costs a client a few seconds, not an error, when possible.
 */
export class ClusterRoomOps {
  readonly #local: LocalRoomOps;
  readonly #registry: RoomRegistry;
  readonly #nodes: NodeRegistry;
  readonly #rpc: NodeRpc;
  readonly #retryDelayMs: number;
  readonly #giveUpAfterMs: number;

  constructor(deps: {
    local: LocalRoomOps;
    registry: RoomRegistry;
    nodes: NodeRegistry;
    rpc: NodeRpc;
    retryDelayMs: number;
    /** How long to keep retrying while a home moves: more than a dead home's lease lasts. */
    giveUpAfterMs: number;
  }) {
    this.#local = deps.local;
    this.#registry = deps.registry;
    this.#nodes = deps.nodes;
    this.#rpc = deps.rpc;
    this.#retryDelayMs = deps.retryDelayMs;
    this.#giveUpAfterMs = deps.giveUpAfterMs;
  }

  /** The RoomOps the gateway uses: create runs here, everything else at the room's home. */
  ops(): RoomOps {
    const routed = {} as Record<RoomOpName, AnyOp>;
    for (const name of ROOM_OP_NAMES) {
      routed[name] = (roomId, ...rest) => this.#route(name, roomId, rest);
    }
    return {
      ...(routed as unknown as Pick<RoomOps, RoomOpName>),
      create: (actor, options) => this.#local.create(actor, options),
    };
  }

  /** Run an operation asked of this node by another one (it believes this node is the home). */
  async handle(op: string, args: unknown[]): Promise<unknown> {
    if (!(ROOM_OP_NAMES as readonly string[]).includes(op)) {
      throw new PresenceError('INTERNAL_ERROR', `unknown room operation ${op}`);
    }
    // JSON turns an undefined argument into null; no room operation takes a null argument.
    const [roomId, ...rest] = args.map((a) => (a === null ? undefined : a));
    if (typeof roomId !== 'string') throw new PresenceError('INVALID_MESSAGE');
    // The asker's idea of the home may be stale: it retries wherever the room is now.
    if (!(await this.#nodes.claim(roomId))) throw new RoomElsewhereError(roomId);
    return this.#runLocal(op as RoomOpName, roomId, rest);
  }

  async #runLocal(name: RoomOpName, roomId: string, rest: unknown[]): Promise<unknown> {
    const fn = this.#local[name] as unknown as AnyOp;
    try {
      return await fn.call(this.#local, roomId, ...rest);
    } finally {
      // Locating a room claims it; an operation that did not load it (no such room, not a member)
      // must not leave this node holding its lease.
      if (!this.#registry.holds(roomId)) this.#nodes.release(roomId);
    }
  }

  async #route(name: RoomOpName, roomId: string, rest: unknown[]): Promise<unknown> {
    const deadline = Date.now() + this.#giveUpAfterMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const home = await this.#nodes.locate(roomId);
        if (home === this.#nodes.instanceId) return await this.#runLocal(name, roomId, rest);
        return await this.#rpc.call(home, name, [roomId, ...rest]);
      } catch (err) {
        // The home moved (or died) between looking it up and asking it: look again.
        const moved = err instanceof RoomElsewhereError || err instanceof NodeUnreachableError;
        if (!moved) throw err;
        if (Date.now() >= deadline) throw new PresenceError('ROOM_UNAVAILABLE');
        await new Promise((r) => setTimeout(r, Math.min(this.#retryDelayMs * attempt, 1_000)));
      }
    }
  }
}
