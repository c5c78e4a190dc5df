import type { RoomOps } from '../routing/room-ops.js';
import type { Handlers } from './handlers.js';

type LiveRequestType = 'live.join' | 'live.leave' | 'live.media' | 'live.signal' | 'live.ice';

/** Handlers of the call (live) requests: thin translations onto the room's operations. */
export function createLiveHandlers(ops: RoomOps): Pick<Handlers, LiveRequestType> {
  return {
    'live.join': (ctx, r) => ops.liveJoin(r.room, ctx.session.actor, r.media ?? {}),
    'live.leave': async (ctx, r) => {
      await ops.liveLeave(r.room, ctx.session.actor);
      return {};
    },
    'live.media': async (ctx, r) => ({
      participant: await ops.liveMedia(r.room, ctx.session.actor, {
        audio: r.audio,
        video: r.video,
        screen: r.screen,
        speaking: r.speaking,
      }),
    }),
    'live.signal': async (ctx, r) => {
      await ops.liveSignal(r.room, ctx.session.actor, r.to, r.signal);
      return {};
    },
    'live.ice': async (ctx, r) => ({ ice: await ops.liveIce(r.room, ctx.session.actor) }),
  };
}
