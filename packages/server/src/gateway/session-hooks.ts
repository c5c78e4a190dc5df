import type { Broker } from '../broker/broker.js';
import type { RoomOps } from '../routing/room-ops.js';
import { OutboundFrame } from '../transport/outbound-frame.js';
import type { SessionHooks } from './session-manager.js';
import type { Session } from './session.js';

/**
 * Directed messages reach a session through the broker, wherever they were sent from. While the
 * session has no connection (grace period) they are dropped: signaling is stale by the time a
 * client is back, and it restarts ICE anyway.
 */
export function directChannel(broker: Broker): SessionHooks {
  return {
    created(session) {
      session.unsubscribeDirect = broker.subscribeDirect(session.id, (json) => {
        session.conn?.send(new OutboundFrame(json));
      });
    },
    ended(session) {
      session.unsubscribeDirect?.();
      session.unsubscribeDirect = undefined;
    },
  };
}

/**
 * Calls follow their participants' sessions: reconnecting, back, or gone for good (the session
 * leaving its rooms on expiry leaves their calls too: RoomOps.leave).
 */
export function liveLifecycle(ops: RoomOps): SessionHooks {
  const tell = (session: Session, connected: boolean): void => {
    for (const room of session.rooms.keys())
      void ops.liveConnection(room, session.id, connected).catch(() => undefined);
  };
  return {
    attached(session, resumed) {
      if (resumed) tell(session, true);
    },
    detached(session) {
      tell(session, false);
    },
  };
}
