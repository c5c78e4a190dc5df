import { deviceState, PRESENCE_LIMITS, PresenceError } from '@presence/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Logger } from '../ops/logger.js';
import { DeviceTokens } from '../presence/device-tokens.js';
import type { PresenceService } from '../presence/presence-service.js';
import { INTERNAL, toHttpError } from './http-errors.js';

export interface PresenceRouteDeps {
  presence: PresenceService;
  tokens: DeviceTokens;
  log: Logger;
}

/** What a socketless device reports: its state (`offline` signs it off now) and maybe the status text. */
const reportBody = z.object({
  state: z.union([deviceState, z.literal('offline')]),
  status: z.string().max(PRESENCE_LIMITS.statusLength).nullable().optional(),
});

function deviceToken(req: FastifyRequest): string {
  const m = /^Bearer +(\S{1,200})$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1]) {
    throw new PresenceError('UNAUTHORIZED', 'Send the device token as "Authorization: Bearer <token>".');
  }
  return m[1];
}

/**
 * Presence for devices without a socket: `POST /api/presence` with a device token (made with
 * presence.deviceToken) and `{state, status?}`. The device counts until it has been silent for
 * presenceDeviceTimeoutMs; the answer is the user's presence as they see it themselves.
 */
export async function registerPresenceRoutes(app: FastifyInstance, deps: PresenceRouteDeps): Promise<void> {
  await app.register(async (scope) => {
    scope.setErrorHandler((err: unknown, req, reply) => {
      const known = toHttpError(err);
      if (known) return reply.code(known.status).send(known.body);
      deps.log.error({ err, route: req.routeOptions.url }, 'presence route failed');
      return reply.code(INTERNAL.status).send(INTERNAL.body);
    });

    scope.post('/api/presence', async (req) => {
      const record = await deps.tokens.find(deviceToken(req));
      if (!record) throw new PresenceError('UNAUTHORIZED', 'Unknown device token.');
      const parsed = reportBody.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
        throw new PresenceError('INVALID_MESSAGE', `${where}${issue?.message ?? 'invalid body'}`);
      }
      const type =
        record.device === 'mobile' || record.device === 'desktop' || record.device === 'web'
          ? record.device
          : 'bot';
      const presence = deps.presence.report(
        record.userId,
        DeviceTokens.deviceId(record),
        type,
        parsed.data.state,
        parsed.data.status,
      );
      return { presence };
    });
  });
}
