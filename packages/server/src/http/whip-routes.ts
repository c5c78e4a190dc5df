import type { IceConfig } from '@presence/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IdentityService } from '../identity/identity-service.js';
import { WhipError, type WhipSessions } from '../live/whip/whip-sessions.js';
import type { Logger } from '../ops/logger.js';
import type { Store } from '../store/store.js';
import { StoreUnavailableError } from '../store/store.js';

export interface WhipRouteDeps {
  whip: WhipSessions;
  store: Store;
  identity: IdentityService;
  maxSdpBytes: number;
  log: Logger;
}

const SDP = 'application/sdp';
const FRAG = 'application/trickle-ice-sdpfrag';

/**
 * CORS for browser publishers and players: bearer tokens, never cookies, so any origin may call
 * (what a request may do is decided by its token alone).
 */
function cors(reply: FastifyReply, methods: string): void {
  reply
    .header('access-control-allow-origin', '*')
    .header('access-control-allow-methods', methods)
    .header('access-control-allow-headers', 'authorization, content-type, if-match')
    .header('access-control-expose-headers', 'location, etag, link, accept-patch, retry-after')
    .header('access-control-max-age', '600');
}

/** RFC 9725 §4.4: one Link header per ICE server, TURN with its time-limited credentials. */
function linkHeaders(ice: IceConfig): string[] {
  const out: string[] = [];
  for (const server of ice.iceServers) {
    const urls = Array.isArray(server.urls) ? server.urls : [server.urls];
    for (const url of urls) {
      const creds =
        server.username !== undefined && server.credential !== undefined
          ? `; username="${server.username}"; credential="${server.credential}"; credential-type="password"`
          : '';
      out.push(`<${url}>; rel="ice-server"${creds}`);
    }
  }
  return out;
}

function bearerOf(req: FastifyRequest): string | null {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1] ?? null;
}

/**
 * WHIP ingest (RFC 9725) and WHEP playback (server-offer mode) per room:
 *   POST   /whip/rooms/:room            offer + stream key → 201, Location, ETag, Link
 *   PATCH  /whip/sessions/:id           trickle (204) or ICE restart (If-Match: *, 200)
 *   DELETE /whip/sessions/:id           the source ends
 *   POST   /whep/rooms/:room            → 406 with the server's offer, Location, ETag, Link
 *   PATCH  /whep/sessions/:id           the player's answer (application/sdp, 204) or trickle
 *   DELETE /whep/sessions/:id
 * OPTIONS on each answers CORS preflights. Errors are `{code, message}` JSON with RFC statuses.
 */
export async function registerWhipRoutes(app: FastifyInstance, deps: WhipRouteDeps): Promise<void> {
  const { whip, store, identity } = deps;
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      [SDP, FRAG],
      { parseAs: 'string', bodyLimit: deps.maxSdpBytes * 2 },
      (_req, body, done) => done(null, body),
    );
    scope.setErrorHandler((err: unknown, req, reply) => {
      const status = (err as { statusCode?: number }).statusCode;
      if (err instanceof WhipError) {
        if (err.retryAfter !== undefined) reply.header('retry-after', String(err.retryAfter));
        if (err.status === 401) reply.header('www-authenticate', 'Bearer realm="presence-whip"');
        return reply.code(err.status).send({ code: err.code, message: err.message });
      }
      if (err instanceof StoreUnavailableError) {
        reply.header('retry-after', '5');
        return reply
          .code(503)
          .send({ code: 'STORE_UNAVAILABLE', message: 'The database is unreachable; try again shortly.' });
      }
      // Fastify's own: a body over the limit (413), an unknown content type (415), bad syntax.
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return reply.code(status).send({
          code: status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'INVALID_MESSAGE',
          message: (err as Error).message,
        });
      }
      deps.log.error({ err, route: req.routeOptions.url }, 'whip route failed');
      return reply.code(500).send({ code: 'INTERNAL_ERROR', message: 'The server failed unexpectedly.' });
    });
    scope.addHook('onRequest', async (req, reply) => {
      reply.header('cache-control', 'no-store');
      cors(reply, req.url.includes('/sessions/') ? 'PATCH, DELETE, OPTIONS' : 'POST, OPTIONS');
    });

    const contentType = (req: FastifyRequest): string =>
      (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const requireType = (req: FastifyRequest, ...types: string[]): void => {
      if (!types.includes(contentType(req)))
        throw new WhipError(415, 'UNSUPPORTED_MEDIA_TYPE', `Send Content-Type: ${types.join(' or ')}.`);
    };
    const body = (req: FastifyRequest): string => (typeof req.body === 'string' ? req.body : '');
    const roomExists = async (roomId: string) => {
      const room = await store.getRoom(roomId);
      if (!room) throw new WhipError(404, 'ROOM_NOT_FOUND', 'No such room (WHIP needs a persistent room).');
      return room;
    };

    scope.options('/whip/rooms/:room', async (_req, reply) =>
      reply.code(204).header('accept-post', SDP).send(),
    );
    scope.options('/whep/rooms/:room', async (_req, reply) =>
      reply.code(204).header('accept-post', SDP).send(),
    );
    scope.options('/whip/sessions/:id', async (_req, reply) =>
      reply.code(204).header('accept-patch', FRAG).send(),
    );
    scope.options('/whep/sessions/:id', async (_req, reply) =>
      reply.code(204).header('accept-patch', `${SDP}, ${FRAG}`).send(),
    );

    scope.post<{ Params: { room: string } }>('/whip/rooms/:room', async (req, reply) => {
      await roomExists(req.params.room);
      requireType(req, SDP);
      const created = await whip.publish(req.params.room, bearerOf(req), body(req));
      return reply
        .code(201)
        .type(SDP)
        .header('location', `/whip/sessions/${created.id}`)
        .header('etag', created.etag)
        .header('accept-patch', FRAG)
        .header('link', linkHeaders(created.ice))
        .send(created.sdp);
    });

    scope.patch<{ Params: { id: string } }>('/whip/sessions/:id', async (req, reply) => {
      requireType(req, FRAG);
      const r = await whip.patch(req.params.id, 'whip', req.headers['if-match'], body(req));
      if (!r.restarted) return reply.code(204).send();
      return reply.code(200).type(FRAG).header('etag', r.etag).send(r.frag);
    });

    scope.delete<{ Params: { id: string } }>('/whip/sessions/:id', async (req, reply) => {
      await whip.delete(req.params.id, 'whip');
      return reply.code(200).send();
    });

    scope.post<{ Params: { room: string } }>('/whep/rooms/:room', async (req, reply) => {
      const room = await roomExists(req.params.room);
      // Any body (an offer, or none): Janus 1.1.2 only offers, so the answer is always a counter-offer.
      const token = bearerOf(req);
      let viewer: string | null = null;
      if (token !== null) {
        const who = await identity.authenticate(token);
        if (!who) throw new WhipError(401, 'UNAUTHORIZED', 'The session token is not valid (log in again).');
        viewer = who.user.id;
      }
      const member = viewer === null ? undefined : await store.getMember(room.id, viewer);
      if (!member && room.visibility !== 'public') {
        if (viewer === null)
          throw new WhipError(
            401,
            'UNAUTHORIZED',
            'This room is not public: send a session token as the bearer.',
          );
        throw new WhipError(403, 'FORBIDDEN', 'Only members play this room.');
      }
      const created = await whip.play(room.id, viewer);
      return reply
        .code(406)
        .type(SDP)
        .header('location', `/whep/sessions/${created.id}`)
        .header('etag', created.etag)
        .header('accept-patch', `${SDP}, ${FRAG}`)
        .header('link', linkHeaders(created.ice))
        .send(created.sdp);
    });

    scope.patch<{ Params: { id: string } }>('/whep/sessions/:id', async (req, reply) => {
      requireType(req, SDP, FRAG);
      if (contentType(req) === SDP) {
        await whip.answer(req.params.id, body(req));
        return reply.code(204).send();
      }
      const r = await whip.patch(req.params.id, 'whep', req.headers['if-match'], body(req));
      if (!r.restarted) return reply.code(204).send();
      return reply.code(200).type(FRAG).header('etag', r.etag).send(r.frag);
    });

    scope.delete<{ Params: { id: string } }>('/whep/sessions/:id', async (req, reply) => {
      await whip.delete(req.params.id, 'whep');
      return reply.code(200).send();
    });
  });
}
