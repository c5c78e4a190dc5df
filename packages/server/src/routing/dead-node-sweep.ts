import type { Logger } from '../ops/logger.js';
import type { LocalRoomOps } from './room-ops.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import { sessionPrefixOf } from '../shared/session-prefix.js';

/**
 * A dead node's sessions cannot expire by themselves: their node is gone. Every node sweeps the
 * rooms it is home to: once the dead node's sessions have had their grace period (a client
 * reconnecting to another node joins again under a new session), each of them still in a room
 * leaves it with reason `timeout`, exactly as an expired session would.
 *
 * Session ids begin with their node's prefix (session-prefix.ts), which is how a sweep tells the
 * dead node's sessions apart.
 */
export function sweepDeadNode(deps: {
  instanceId: string;
  registry: RoomRegistry;
  local: LocalRoomOps;
  graceMs: number;
  log: Logger;
}): NodeJS.Timeout {
  const prefix = sessionPrefixOf(deps.instanceId);
  const timer = setTimeout(() => {
    void (async () => {
      let left = 0;
      for (const room of deps.registry.list()) {
        for (const member of [...room.members.values()]) {
          for (const sessionId of [...member.sessions]) {
            if (!sessionId.startsWith(prefix)) continue;
            try {
              await deps.local.leave(room.id, { user: member.ref, sessionId }, 'timeout');
              left++;
            } catch (err) {
              deps.log.warn({ err, room: room.id, sessionId }, 'dead node sweep: leave failed');
            }
          }
        }
      }
      deps.log.info({ node: deps.instanceId, sessions: left }, 'dead node swept');
    })();
  }, deps.graceMs);
  timer.unref();
  return timer;
}
