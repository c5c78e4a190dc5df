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
  const subscriptions = new Map<Session, () => void>();
  return {
    created(session) {
      const unsubscribe = broker.subscribeDirect(session.id, (json) => {
        // The session's one outbound path: held behind a welcome like everything else.
        session.sendSignal(new OutboundFrame(json));
      });
      subscriptions.set(session, unsubscribe);
    },
    ended(session) {
      subscriptions.get(session)?.();
      subscriptions.delete(session);
    },
  };
}

/**
 * Calls follow their participants' sessions: reconnecting, back, or gone for good (the session
 * leaving its rooms on expiry leaves their calls too: RoomOps.leave).
 */
export function liveLifecycle(ops: RoomOps): SessionHooks {
  const tell = (session: Session, connected: boolean): void => {
    for (const room of session.rooms.ids())
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
