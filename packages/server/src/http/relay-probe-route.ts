import { PresenceError } from '@presence/protocol';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../ops/logger.js';
import { INTERNAL, toHttpError } from './http-errors.js';

export interface RelayProbeRouteDeps {
  /** Record a timed probe (the relay service); resolves with the uplink it measured. */
  probed(token: string, bytes: number, elapsedMs: number): Promise<number>;
  probeBytes: number;
  log: Logger;
}

interface Timed {
  bytes: number;
  elapsedMs: number;
}

/**
 * `POST /api/live/relay/probe/:token`: a viewer's upload probe. The token (from
 * live.relay.probe) is the authorization, used once. The server times the body itself, from the
 * moment the request is handed over to its last byte, so the uplink the relay planner trusts is
 * what this server saw, never what the peer says.
 */
export async function registerRelayProbeRoute(
  app: FastifyInstance,
  deps: RelayProbeRouteDeps,
): Promise<void> {
  await app.register(async (scope) => {
    scope.setErrorHandler((err: unknown, req, reply) => {
      const code = (err as { code?: unknown }).code;
      if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return reply
          .code(413)
          .send({ code: 'INVALID_MESSAGE', message: `Send ${deps.probeBytes} bytes, no more.` });
      }
      const known = toHttpError(err);
      if (known) return reply.code(known.status).send(known.body);
      deps.log.error({ err, route: req.routeOptions.url }, 'relay probe failed');
      return reply.code(INTERNAL.status).send(INTERNAL.body);
    });
    scope.removeAllContentTypeParsers();
    const limit = deps.probeBytes + 1_024;
    scope.addContentTypeParser('*', { bodyLimit: limit }, (_req, payload, done) => {
      const started = process.hrtime.bigint();
      let bytes = 0;
      payload.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > limit) {
          payload.removeAllListeners('data');
          payload.resume();
          done(Object.assign(new Error('too large'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE' }), undefined);
        }
      });
      payload.on('end', () => {
        if (bytes > limit) return;
        const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
        done(null, { bytes, elapsedMs } satisfies Timed);
      });
      payload.on('error', (err) => done(err, undefined));
    });
    scope.post<{ Params: { token: string } }>('/api/live/relay/probe/:token', async (req) => {
      const timed = req.body as Timed | undefined;
      if (!timed || typeof timed.bytes !== 'number') {
        throw new PresenceError('INVALID_MESSAGE', `Send ${deps.probeBytes} bytes as the body.`);
      }
      const token = req.params.token;
      if (token.length > 64) throw new PresenceError('FORBIDDEN', 'Unknown or expired probe.');
      const uplinkBps = await deps.probed(token, timed.bytes, timed.elapsedMs);
      return { uplinkBps };
    });
  });
}
