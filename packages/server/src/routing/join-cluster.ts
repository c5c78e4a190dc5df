import type { Config } from '../ops/config.js';
import type { Logger } from '../ops/logger.js';
import type { LocalRoomOps, RoomOps } from './room-ops.js';
import type { ClusterPresence, PresenceState } from '../presence/cluster-presence.js';
import type { Actor } from '../shared/actor.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import { ClusterRoomOps } from './cluster-room-ops.js';
import { sweepDeadNode } from './dead-node-sweep.js';
import type { NodeRegistry } from './node-registry.js';
import { NodeRpc } from './node-rpc.js';

/**
 * Which of this node's sessions are in a room (the gateway's RoomFanout answers it). A seam rather
 * than the fan-out itself, so routing does not reach up into the gateway.
 */
export interface LocalCensus {
  actorsIn(roomId: string): Actor[];
}

export interface ClusterMembership {
  /** Room operations routed to each room's home node. */
  ops: RoomOps;
  /** Heartbeat and answer other nodes (before taking connections). */
  start(): Promise<void>;
  /** Hand back this node's rooms and stop. */
  close(): Promise<void>;
}

/**
 * This node's part in a cluster: room operations routed to their home (over NodeRpc), rooms whose
 * lease was lost dropped from memory, and dead nodes' sessions swept after their grace period.
 */
export function joinCluster(deps: {
  config: Config;
  instanceId: string;
  nodes: NodeRegistry;
  registry: RoomRegistry;
  local: LocalRoomOps;
  fanout: LocalCensus;
  /** Replicated presence (null in setups without presence, e.g. some tests). */
  presence: ClusterPresence | null;
  log: Logger;
}): ClusterMembership {
  const { config, nodes, registry, local, fanout, presence, log } = deps;
  const rpc: NodeRpc = new NodeRpc({
    redisUrl: config.redisUrl,
    prefix: config.redisPrefix,
    instanceId: deps.instanceId,
    timeoutMs: Math.max(3000, config.clusterDeadAfterMs),
    handle: (op, args): Promise<unknown> => {
      if (op === 'census') return Promise.resolve(fanout.actorsIn(String(args[0])));
      if (op === 'presenceState') return Promise.resolve(presence?.state(registry.list()) ?? null);
      return routed.handle(op, args);
    },
    onError: (err, op) => log.error({ err, op }, 'room operation for another node failed'),
  });
  const routed: ClusterRoomOps = new ClusterRoomOps({
    local,
    registry,
    nodes,
    rpc,
    retryDelayMs: 100,
    // A dead home's lease lapses after clusterDeadAfterMs; then the room can be taken over.
    giveUpAfterMs: config.clusterDeadAfterMs * 2 + 2_000,
  });
  registry.setCensus(async (roomId) => {
    const answers = await Promise.allSettled(
      (await nodes.liveNodes()).map((node) =>
        node === deps.instanceId
          ? Promise.resolve(fanout.actorsIn(roomId))
          : (rpc.call(node, 'census', [roomId]) as Promise<Actor[]>),
      ),
    );
    // A node that does not answer has no sessions to speak of (it is going, or gone).
    return answers.flatMap((a) => (a.status === 'fulfilled' ? a.value : []));
  });
  const sweeps = new Set<NodeJS.Timeout>();
  nodes.on({
    dead: (id) => {
      log.warn({ node: id }, 'cluster node stopped heartbeating; its sessions expire after the grace period');
      sweeps.add(sweepDeadNode({ instanceId: id, registry, local, graceMs: config.sessionGraceMs, log }));
      if (presence) sweeps.add(presence.nodeDead(id, config.sessionGraceMs));
    },
    lost: (roomId) => {
      log.warn({ roomId }, 'room lease lost (cut off from Redis too long); the room is dropped here');
      registry.evict(roomId);
    },
    error: (err) => log.debug({ err }, 'cluster: redis error'),
  });
  return {
    ops: routed.ops(),
    async start() {
      await nodes.start();
      await rpc.start();
      if (!presence) return;
      // Hear changes first, then copy what the peers know: a change in between is applied twice,
      // which the engine takes in its stride, rather than missed.
      presence.listen();
      const peers = (await nodes.liveNodes()).filter((n) => n !== deps.instanceId);
      await Promise.all(
        peers.map(async (peer) => {
          try {
            const state = (await rpc.call(peer, 'presenceState', [])) as PresenceState | null;
            if (state) presence.adopt(state, peer);
          } catch (err) {
            log.warn({ err, peer }, 'presence state not copied from a peer');
          }
        }),
      );
    },
    async close() {
      for (const t of sweeps) clearTimeout(t);
      await rpc.close();
      await nodes.close();
    },
  };
}
