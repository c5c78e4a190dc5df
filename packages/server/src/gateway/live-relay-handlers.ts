import type { RoomOps } from '../routing/room-ops.js';
import type { Handlers } from './handlers.js';

type LiveRelayRequestType =
  'live.relay.start' | 'live.relay.stop' | 'live.relay.probe' | 'live.relay.report' | 'live.relay.prefs';

/** Handlers of relayed broadcasts: the relay tree is planned on the room's home node. */
export function createLiveRelayHandlers(ops: RoomOps): Pick<Handlers, LiveRelayRequestType> {
  return {
    'live.relay.start': (ctx, r) =>
      ops.liveRelayStart(r.room, ctx.session.actor, { bitrateBps: r.bitrateBps, direct: r.direct }),
    'live.relay.stop': async (ctx, r) => {
      await ops.liveRelayStop(r.room, ctx.session.actor);
      return {};
    },
    'live.relay.probe': (ctx, r) => ops.liveRelayProbe(r.room, ctx.session.actor),
    'live.relay.report': async (ctx, r) => {
      await ops.liveRelayReport(r.room, ctx.session.actor, { silent: r.silent, sendingBps: r.sendingBps });
      return {};
    },
    'live.relay.prefs': (ctx, r) => ops.liveRelayPrefs(r.room, ctx.session.actor, r.relay),
  };
}
