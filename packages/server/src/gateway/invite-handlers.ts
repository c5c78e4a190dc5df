import type { RoomOps } from '../routing/room-ops.js';
import type { Handlers } from './handlers.js';

type InviteRequestType = 'invite.create' | 'invite.list' | 'invite.revoke';

/** Handlers of the invite requests: thin translations onto the room's operations. */
export function createInviteHandlers(ops: RoomOps): Pick<Handlers, InviteRequestType> {
  return {
    'invite.create': async (ctx, r) => ({
      invite: await ops.inviteCreate(r.room, ctx.session.actor, {
        kind: r.kind,
        maxUses: r.maxUses,
        expiresInSeconds: r.expiresInSeconds,
      }),
    }),
    'invite.list': async (ctx, r) => ({ invites: await ops.inviteList(r.room, ctx.session.actor) }),
    'invite.revoke': async (ctx, r) => {
      await ops.inviteRevoke(r.room, ctx.session.actor, r.code);
      return {};
    },
  };
}
