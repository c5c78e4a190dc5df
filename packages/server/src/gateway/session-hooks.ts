import type { Broker } from '../broker/broker.js';
import type { LiveService } from '../live/live-service.js';
import { OutboundFrame } from '../transport/outbound-frame.js';
import type { SessionHooks } from './session-manager.js';

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

/** Calls follow their participants' sessions: reconnecting, back, or gone for good. */
export function liveLifecycle(live: LiveService): SessionHooks {
  return {
    attached(session, resumed) {
      if (resumed) void live.sessionResumed(session.id);
    },
    detached(session) {
      void live.sessionDetached(session.id);
    },
    async ending(session) {
      await live.sessionLeft(session.actor, null, 'timeout');
    },
  };
}
