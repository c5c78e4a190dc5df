import type { LiveService } from '../live/live-service.js';
import type { Handlers } from './handlers.js';

type LiveRequestType = 'live.join' | 'live.leave' | 'live.media' | 'live.signal' | 'live.ice';

/** Handlers of the call (live) requests: thin translations onto the LiveService. */
export function createLiveHandlers(live: LiveService): Pick<Handlers, LiveRequestType> {
  return {
    'live.join': (ctx, r) => live.join(ctx.session.actor, r.room, r.media ?? {}),
    'live.leave': async (ctx, r) => {
      await live.leave(ctx.session.actor, r.room, 'left');
      return {};
    },
    'live.media': async (ctx, r) => ({
      participant: await live.media(ctx.session.actor, r.room, {
        audio: r.audio,
        video: r.video,
        screen: r.screen,
        speaking: r.speaking,
      }),
    }),
    'live.signal': async (ctx, r) => {
      await live.signal(ctx.session.actor, r.room, r.to, r.signal);
      return {};
    },
    'live.ice': async (ctx, r) => ({ ice: live.ice(ctx.session.actor, r.room) }),
  };
}
