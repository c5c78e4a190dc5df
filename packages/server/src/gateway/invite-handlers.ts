import type { InviteService } from '../rooms/invite-service.js';
import type { Handlers } from './handlers.js';

type InviteRequestType = 'invite.create' | 'invite.list' | 'invite.revoke';

/** Handlers of the invite requests: thin translations onto the InviteService. */
export function createInviteHandlers(invites: InviteService): Pick<Handlers, InviteRequestType> {
  return {
    'invite.create': async (ctx, r) => ({
      invite: await invites.create(ctx.session.actor, r.room, {
        kind: r.kind,
        maxUses: r.maxUses,
        expiresInSeconds: r.expiresInSeconds,
      }),
    }),
    'invite.list': async (ctx, r) => ({ invites: await invites.list(ctx.session.actor, r.room) }),
    'invite.revoke': async (ctx, r) => {
      await invites.revoke(ctx.session.actor, r.room, r.code);
      return {};
    },
  };
}
