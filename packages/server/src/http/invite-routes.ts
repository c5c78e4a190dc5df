import { ERRORS, type InviteInvalidReason } from '@presence/protocol';
import type { FastifyInstance } from 'fastify';
import { inviteInvalid, type InviteService } from '../rooms/invite-service.js';
import { StoreUnavailableError } from '../store/store.js';

export interface InviteRouteDeps {
  invites: InviteService;
}

/** Invite codes are base64url; anything else cannot be one (and is not looked up). */
const CODE = /^[A-Za-z0-9_-]{1,64}$/;

/** 404 for an invite that does not exist (any more); 410 for one that did but is spent. */
function statusOf(reason: InviteInvalidReason): number {
  return reason === 'not_found' ? 404 : 410;
}

/**
 * The join page's preview of an invite (`/i/<code>` in the web app): the room's name, topic and
 * size and who invites, without joining and without the room's id.
 */
export async function registerInviteRoutes(app: FastifyInstance, deps: InviteRouteDeps): Promise<void> {
  app.get<{ Params: { code: string } }>('/api/invites/:code', async (req, reply) => {
    const invalid = (reason: InviteInvalidReason) => {
      reply.code(statusOf(reason));
      return { code: 'INVITE_INVALID', message: inviteInvalid(reason).message, reason };
    };
    if (!CODE.test(req.params.code)) return invalid('not_found');
    try {
      const preview = await deps.invites.preview(req.params.code);
      return preview.valid ? preview : invalid(preview.reason);
    } catch (err) {
      if (err instanceof StoreUnavailableError) {
        reply.code(503);
        return { code: 'STORE_UNAVAILABLE', message: ERRORS.STORE_UNAVAILABLE.text };
      }
      throw err;
    }
  });
}
