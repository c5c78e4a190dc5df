import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance } from 'fastify';
import { ERRORS, PresenceError, roomId as roomIdSchema } from '@presence/protocol';
import { avatarEtag, renderAvatarPng, renderAvatarSvg } from '../identity/avatar.js';
import type { Metrics } from '../ops/metrics.js';
import { addSecurityHeaders } from './security-headers.js';
import { metricsAccess, type MetricsAccessOptions } from './metrics-access.js';
import { registerAccountRoutes, type AccountRouteDeps } from './account-routes.js';
import { registerInviteRoutes, type InviteRouteDeps } from './invite-routes.js';
import { registerPresenceRoutes, type PresenceRouteDeps } from './presence-routes.js';
import { registerAppRoutes, type AppRouteDeps } from './app-routes.js';
import { registerServiceRoutes, type ServiceRouteDeps } from './service-routes.js';
import { registerFederationRoutes, type FederationRouteDeps } from './federation-routes.js';
import { registerFileRoutes, type FileRouteDeps } from './file-routes.js';
import { registerRecordingRoutes, type RecordingRouteDeps } from './recording-routes.js';
import { registerWhipRoutes, type WhipRouteDeps } from './whip-routes.js';
import { registerRelayProbeRoute, type RelayProbeRouteDeps } from './relay-probe-route.js';
import type { RoomQueries } from '../rooms/room-queries.js';
import type { RoomOps } from '../routing/room-ops.js';
import type { Store } from '../store/store.js';
import { StoreUnavailableError } from '../store/store.js';

/** Longest path parameter: a 320-character user id, every character percent-encoded, and then some. */
const MAX_PATH_PARAM = 2_048;

export interface HttpDeps {
  webDir: string;
  /** Behind a reverse proxy: req.ip from X-Forwarded-For (login limits per client address). */
  trustProxy: boolean;
  /** Whether the broker can deliver (Redis connected, in a cluster). */
  brokerHealthy: () => boolean;
  metrics: Metrics | null;
  /** Time a request has to send its headers, and an idle keep-alive socket to live. */
  httpHeadersTimeoutMs: number;
  httpKeepAliveTimeoutMs: number;
  /** Whether a socket was accepted over the connection limits (its requests get 429). */
  refusedSocket: (socket: Duplex) => boolean;
  /** Origins allowed to frame the web app (CSP frame-ancestors); empty = none. */
  frameAncestors: string[];
  /** Extra connect-src origins (federated servers). */
  connectSources?: string[];
  /** Who may read /metrics (addresses, bearer token). */
  metricsAccess: MetricsAccessOptions;
  store: Store;
  queries: RoomQueries;
  /** Room previews come from the room's home (in a cluster, possibly another node). */
  rooms: Pick<RoomOps, 'info'>;
  accounts: AccountRouteDeps;
  invites: InviteRouteDeps;
  service: ServiceRouteDeps;
  presence: PresenceRouteDeps;
  /** Uploads and downloads of files in rooms. */
  files?: FileRouteDeps;
  /** Downloads of call recordings. */
  recordings?: RecordingRouteDeps;
  apps: AppRouteDeps;
  /** WHIP ingest and WHEP playback. */
  whip?: WhipRouteDeps;
  /** Relay viewers' upload probes (timed here, for the relay planner). */
  relayProbe?: RelayProbeRouteDeps;
  /** Server-to-server endpoints; null when federation is off. */
  federation: FederationRouteDeps | null;
  health: () => Record<string, unknown>;
}

/**
 * The HTTP side: web app (static, with the SPA fallback for room links), avatars, health, metrics
 * and the public REST reads. The WebSocket endpoint is attached to the same server by transport.
 */
export async function createHttpApp(deps: HttpDeps): Promise<FastifyInstance> {
  // Believe one hop (our proxy), so a client cannot pick its address with a header of its own.
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    // A request (a WebSocket upgrade included) must have sent its headers by then, and an idle
    // keep-alive socket goes after keepAlive: both count against the per-address limit meanwhile.
    // Node checks for overdue requests every connectionsCheckingInterval, so that is kept shorter.
    http: {
      headersTimeout: deps.httpHeadersTimeoutMs,
      requestTimeout: Math.max(deps.httpHeadersTimeoutMs, 30_000),
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(deps.httpHeadersTimeoutMs / 4))),
    },
    keepAliveTimeout: deps.httpKeepAliveTimeoutMs,
    // User ids may be 320 characters, and a URL carries them percent-encoded ('%' → '%25'):
    // Fastify's default of 100 answered 414 for long ids in /avatars/:file and service API paths.
    routerOptions: { maxParamLength: MAX_PATH_PARAM },
    ...(deps.trustProxy ? { trustProxy: (_address: string, hop: number) => hop === 0 } : {}),
  });

  addSecurityHeaders(app, {
    frameAncestors: deps.frameAncestors,
    ...(deps.connectSources ? { connectSources: deps.connectSources } : {}),
  });
  // A socket accepted over the connection limits (transport counts sockets from accept).
  app.addHook('onRequest', async (req, reply) => {
    if (!deps.refusedSocket(req.raw.socket)) return;
    reply.code(429).header('connection', 'close');
    await reply.send({ code: 'TOO_MANY_CONNECTIONS', message: ERRORS.TOO_MANY_CONNECTIONS.text });
  });

  app.get('/healthz', async (_req, reply) => {
    const storeOk = await deps.store.healthy().catch(() => false);
    const brokerOk = deps.brokerHealthy();
    const ok = storeOk && brokerOk;
    reply.code(ok ? 200 : 503);
    return {
      status: ok ? 'ok' : 'degraded',
      store: storeOk ? 'ok' : 'unavailable',
      broker: brokerOk ? 'ok' : 'unavailable',
      ...deps.health(),
    };
  });

  if (deps.metrics) {
    const metrics = deps.metrics;
    const access = metricsAccess(deps.metricsAccess);
    app.get('/metrics', async (req, reply) => {
      const verdict = access(req.ip, req.headers.authorization);
      if (verdict === 'address') {
        reply.code(403);
        return { code: 'FORBIDDEN', message: 'Metrics are not served to this address.' };
      }
      if (verdict === 'token') {
        reply.code(401).header('www-authenticate', 'Bearer');
        return { code: 'UNAUTHORIZED', message: 'Metrics need the bearer token (metricsToken).' };
      }
      reply.header('content-type', metrics.contentType);
      return metrics.text();
    });
  }

  app.get<{ Params: { file: string } }>('/avatars/:file', async (req, reply) => {
    const match = /^(.+)\.(png|svg)$/.exec(req.params.file);
    if (!match || !match[1] || match[1].length > 320) {
      reply.code(404);
      return { error: 'not found' };
    }
    const [, userId, format] = match as unknown as [string, string, 'png' | 'svg'];
    const size = format === 'png' ? Number((req.query as Record<string, string>)['size'] ?? 120) : undefined;
    const etag = avatarEtag(userId, format, size);
    reply.header('etag', etag).header('cache-control', 'public, max-age=86400');
    if (req.headers['if-none-match'] === etag) {
      reply.code(304);
      return reply.send();
    }
    if (format === 'svg') {
      reply
        .type('image/svg+xml')
        .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      return renderAvatarSvg(userId);
    }
    reply.type('image/png');
    return renderAvatarPng(userId, size);
  });

  app.get<{ Querystring: { q?: string; limit?: string } }>('/api/rooms', async (req, reply) => {
    const limit = req.query.limit === undefined ? undefined : Number(req.query.limit) || undefined;
    try {
      return { rooms: await deps.queries.directory(String(req.query.q ?? '').slice(0, 80), limit) };
    } catch (err) {
      if (err instanceof StoreUnavailableError) {
        reply.code(503);
        return { code: 'STORE_UNAVAILABLE', message: 'The database is unreachable; try again shortly.' };
      }
      throw err;
    }
  });

  app.get<{ Params: { id: string } }>('/api/rooms/:id', async (req, reply) => {
    if (!roomIdSchema.safeParse(req.params.id).success) {
      reply.code(404);
      return { code: 'ROOM_NOT_FOUND', message: 'No such room.' };
    }
    const info = await deps.rooms.info(req.params.id).catch((err: unknown) => {
      if (err instanceof StoreUnavailableError) return 'store' as const;
      if (err instanceof PresenceError && err.code === 'ROOM_UNAVAILABLE') return 'node' as const;
      throw err;
    });
    if (info === 'store') {
      reply.code(503);
      return { code: 'STORE_UNAVAILABLE', message: 'The database is unreachable; try again shortly.' };
    }
    if (info === 'node') {
      reply.code(503);
      return { code: 'ROOM_UNAVAILABLE', message: ERRORS.ROOM_UNAVAILABLE.text };
    }
    // A preview: what a link's recipient may see before joining. No members, no history, and
    // nothing at all about a private room, not even that it exists (the same answer as no room):
    // its invites have their own preview (/api/invites/:code).
    if (!info || info.visibility === 'private') {
      reply.code(404);
      return { code: 'ROOM_NOT_FOUND', message: 'No such room.' };
    }
    return {
      room: {
        id: info.id,
        name: info.name,
        topic: info.topic,
        persistent: info.persistent,
        visibility: info.visibility,
        memberCount: info.memberCount,
      },
    };
  });

  await registerAccountRoutes(app, deps.accounts);
  await registerInviteRoutes(app, deps.invites);
  await registerServiceRoutes(app, deps.service);
  await registerPresenceRoutes(app, deps.presence);
  if (deps.files) await registerFileRoutes(app, deps.files);
  if (deps.recordings) await registerRecordingRoutes(app, deps.recordings);
  if (deps.relayProbe) await registerRelayProbeRoute(app, deps.relayProbe);
  await registerAppRoutes(app, deps.apps);
  if (deps.whip) await registerWhipRoutes(app, deps.whip);
  if (deps.federation) await registerFederationRoutes(app, deps.federation);

  const index = join(deps.webDir, 'index.html');
  if (existsSync(index)) {
    await app.register(fastifyStatic, { root: deps.webDir, wildcard: false, index: ['index.html'] });
    // Room links and other app routes are client-side: serve the app's index for them.
    app.setNotFoundHandler((req, reply) => {
      const path = req.url.split('?')[0] ?? '';
      // A path ending like a file name is a missing file, except a room link: a room of another
      // server is `/r/ROOM@b.example`.
      const room = path.startsWith('/r/');
      if (req.method === 'GET' && !req.url.startsWith('/api/') && (room || !/\.[a-z0-9]+$/i.test(path))) {
        return reply.sendFile('index.html');
      }
      reply.code(404).send({ error: 'not found' });
    });
  } else {
    app.get('/', async (_req, reply) => {
      reply.code(503).type('text/plain');
      return `The web app is not built (${index} is missing). Run "npm run build" first.`;
    });
  }
  return app;
}
