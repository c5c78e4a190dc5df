import { HARD_LIMITS, PresenceError } from '@presence/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { OAuthError, toAppView, type AppService, type AuthorizeRequest } from '../apps/app-service.js';
import type { AppStreams } from '../apps/app-streams.js';
import type { LiveNotifications } from '../apps/live-notifications.js';
import type { IdentityService } from '../identity/identity-service.js';
import { verifyServiceKey } from '../identity/service-keys.js';
import type { Logger } from '../ops/logger.js';
import type { StoredApp } from '../store/app-store.js';
import type { Store } from '../store/store.js';
import type { ApiOperation, OperationInput } from './api-operation.js';
import { appOperations as ops } from './app-schemas.js';
import { INTERNAL, toHttpError } from './http-errors.js';
import { serveAppStream } from './app-stream-route.js';

export interface AppRouteDeps {
  apps: AppService;
  notifications: LiveNotifications;
  streams: AppStreams;
  store: Store;
  identity: IdentityService;
  options: { appsGuestConsent: boolean; appsStreamHeartbeatMs: number };
  log: Logger;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, part: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${part}.${issue.path.join('.')}` : part;
  throw new PresenceError('INVALID_MESSAGE', `${where}: ${issue?.message ?? 'invalid'}`);
}

function bearer(req: FastifyRequest): string {
  const m = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1] || m[1].length > HARD_LIMITS.tokenLength) {
    throw new PresenceError('UNAUTHORIZED', 'Send a token as "Authorization: Bearer <token>".');
  }
  return m[1];
}

function authorizeRequest(q: z.output<typeof ops.authorizeInfo.query>): AuthorizeRequest {
  return {
    responseType: q.response_type,
    clientId: q.client_id,
    redirectUri: q.redirect_uri,
    state: q.state,
    codeChallenge: q.code_challenge,
    codeChallengeMethod: q.code_challenge_method,
  };
}

/** HTTP Basic `client_id:client_secret` (RFC 6749 §2.3.1), if sent. */
function basicClient(req: FastifyRequest): { id: string; secret: string } | null {
  const m = /^Basic +([A-Za-z0-9+/=]+)$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1]) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return {
    id: decodeURIComponent(decoded.slice(0, colon)),
    secret: decodeURIComponent(decoded.slice(colon + 1)),
  };
}

/**
 * Third-party apps over REST (docs/apps.md). Developers manage their apps with a session token
 * (a service key manages every app: the "service API" way); users consent and manage their grants
 * with their session token; apps authenticate with their client secret.
 */
export async function registerAppRoutes(app: FastifyInstance, deps: AppRouteDeps): Promise<void> {
  const { apps, store, identity } = deps;

  await app.register(async (scope) => {
    scope.addHook('onRequest', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
    });
    // The token endpoint takes form-encoded bodies, as OAuth clients send them.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 16 * 1024 },
      (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    scope.setErrorHandler((err: unknown, req, reply) => {
      if (err instanceof OAuthError) {
        if (err.status === 401) reply.header('www-authenticate', 'Basic realm="presence-oauth"');
        return reply.code(err.status).send({ error: err.error, error_description: err.message });
      }
      if (
        err instanceof PresenceError &&
        err.code === 'RATE_LIMITED' &&
        err.details?.retryAfterMs !== undefined
      ) {
        reply.header('retry-after', String(Math.ceil(err.details.retryAfterMs / 1000)));
      }
      const known = toHttpError(err);
      if (known) return reply.code(known.status).send(known.body);
      deps.log.error({ err, route: req.routeOptions.url }, 'app route failed');
      return reply.code(INTERNAL.status).send(INTERNAL.body);
    });

    function route<O extends ApiOperation>(
      op: O,
      handler: (input: OperationInput<O>, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
    ): void {
      scope.route({
        method: op.method,
        url: op.path,
        handler: async (req, reply) => {
          const input = {
            params: op.params ? parse(op.params, req.params, 'path') : {},
            query: op.query ? parse(op.query, req.query, 'query') : {},
            body: op.body ? parse(op.body, req.body ?? {}, 'body') : undefined,
          } as OperationInput<O>;
          return handler(input, req, reply);
        },
      });
    }

    /** A signed-in person (or guest). */
    async function person(req: FastifyRequest) {
      const who = await identity.authenticate(bearer(req));
      if (!who) throw new PresenceError('UNAUTHORIZED');
      // A user of another server grants apps on their own server, which holds their presence.
      if (who.kind === 'remote') {
        throw new PresenceError('FORBIDDEN', 'Users of other servers manage app access on their own server.');
      }
      return { ...who, kind: who.kind };
    }

    /** Who manages apps: a developer (their own apps) or a service key (null: every app). */
    async function developer(req: FastifyRequest): Promise<string | null> {
      const token = bearer(req);
      if (token.startsWith('psk_')) {
        if (await verifyServiceKey(store.serviceKeys, token)) return null;
        throw new PresenceError('UNAUTHORIZED', 'Unknown or revoked service key.');
      }
      const who = await person(req);
      if (who.kind === 'guest')
        throw new PresenceError('FORBIDDEN', 'Guests cannot register apps; sign in first.');
      return who.user.id;
    }

    async function theApp(req: FastifyRequest): Promise<StoredApp> {
      return apps.authenticate(bearer(req));
    }

    // --- developers --------------------------------------------------------------------------
    route(ops.listApps, async (_input, req) => {
      const owner = await developer(req);
      return { apps: (await store.apps.listApps(owner ?? undefined)).map(toAppView) };
    });

    route(ops.registerApp, async ({ body }, req, reply) => {
      const owner = await developer(req);
      const made = await apps.register({ ...body, webhookUrl: body.webhookUrl ?? null }, owner);
      reply.code(201);
      return made;
    });

    route(ops.updateApp, async ({ params, body }, req) => {
      const owner = await developer(req);
      return { app: await apps.update(params.id, owner, body) };
    });

    route(ops.rotateSecret, async ({ params }, req) => apps.rotate(params.id, await developer(req)));

    route(ops.deleteApp, async ({ params }, req, reply) => {
      await apps.remove(params.id, await developer(req));
      reply.code(204);
      return reply.send();
    });

    route(ops.deliveries, async ({ params }, req) => {
      const found = await apps.owned(params.id, await developer(req));
      const list = await store.apps.deliveries(found.id, 50);
      return {
        webhook: {
          url: found.webhookUrl,
          disabledAt: found.webhookDisabledAt,
          failing: found.webhookAttempts,
          nextAttemptAt: found.webhookAttempts > 0 ? found.webhookNextAt : null,
        },
        deliveries: list.map(({ webhookId, at, status, error, attempt, updates }) => ({
          webhookId,
          at,
          status,
          error,
          attempt,
          updates,
        })),
      };
    });

    // --- consent -----------------------------------------------------------------------------
    route(ops.authorizeInfo, async ({ query }, req) => {
      const who = await person(req);
      const found = await apps.check(authorizeRequest(query));
      return {
        app: { id: found.id, name: found.name },
        allowed: who.kind !== 'guest' || deps.options.appsGuestConsent,
      };
    });

    route(ops.decide, async ({ body }, req) => {
      const who = await person(req);
      const redirect = await apps.decide(
        authorizeRequest(body),
        { userId: who.user.id, kind: who.kind },
        { allow: body.allow, shareStatus: body.shareStatus },
      );
      return { redirect };
    });

    scope.post('/api/oauth/token', async (req) => {
      const parsed = ops.token.body.safeParse(req.body ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new OAuthError(
          400,
          'invalid_request',
          `${issue?.path.join('.') ?? 'body'}: ${issue?.message ?? 'invalid'}`,
        );
      }
      const body = parsed.data;
      const basic = basicClient(req);
      const result = await apps.exchange({
        grantType: body.grant_type,
        code: body.code,
        redirectUri: body.redirect_uri,
        clientId: basic?.id ?? body.client_id,
        clientSecret: basic?.secret ?? body.client_secret ?? '',
        codeVerifier: body.code_verifier,
      });
      return { app_user_id: result.appUserId, scope: 'presence' };
    });

    // --- the user's grants ---------------------------------------------------------------------
    route(ops.listGrants, async (_input, req) => ({
      grants: await apps.grants((await person(req)).user.id),
    }));

    route(ops.setGrant, async ({ params, body }, req, reply) => {
      await apps.setPaused((await person(req)).user.id, params.id, body.paused);
      reply.code(204);
      return reply.send();
    });

    route(ops.revokeGrant, async ({ params }, req, reply) => {
      await apps.revoke((await person(req)).user.id, params.id);
      reply.code(204);
      return reply.send();
    });

    // --- apps ----------------------------------------------------------------------------------
    route(ops.notify, async ({ body }, req) => {
      const found = await theApp(req);
      return { delivered: await deps.notifications.send(found, body.user, body.text) };
    });

    route(ops.stream, async ({ query }, req, reply) => {
      const found = await theApp(req);
      const header = req.headers['last-event-id'];
      const raw = query.cursor ?? (typeof header === 'string' && header !== '' ? header : undefined);
      if (raw !== undefined && !/^\d{1,16}$/.test(raw))
        throw new PresenceError('INVALID_MESSAGE', 'cursor: digits only');
      await serveAppStream(req, reply, {
        app: found,
        cursor: raw === undefined ? null : Number(raw),
        store: store.apps,
        streams: deps.streams,
        heartbeatMs: deps.options.appsStreamHeartbeatMs,
        log: deps.log,
      });
      return reply;
    });
  });
}
