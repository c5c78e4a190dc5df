import { whepPath, whipPath, type StreamKeyService } from '../live/whip/stream-keys.js';
import type { Handlers } from './handlers.js';

type StreamKeyRequestType = 'streamkey.create' | 'streamkey.list' | 'streamkey.rotate' | 'streamkey.revoke';

/**
 * Stream keys over the protocol (owners and admins of the room). They are rows in the store, so
 * any node answers; revoking cuts a live source on this node at once, on other nodes within
 * seconds (each WHIP session re-checks its key).
 */
export function createStreamKeyHandlers(keys: StreamKeyService): Pick<Handlers, StreamKeyRequestType> {
  return {
    'streamkey.create': (ctx, r) => keys.create(r.room, ctx.session.actor.user.id, r.name),
    'streamkey.list': async (ctx, r) => ({
      keys: await keys.list(r.room, ctx.session.actor.user.id),
      whipPath: whipPath(r.room),
      whepPath: whepPath(r.room),
    }),
    'streamkey.rotate': (ctx, r) => keys.rotate(r.room, ctx.session.actor.user.id, r.key),
    'streamkey.revoke': async (ctx, r) => ({
      key: await keys.revoke(r.room, ctx.session.actor.user.id, r.key),
    }),
  };
}
