import { HARD_LIMITS, PresenceError } from '@presence/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { LoginRateLimitedError, type AccountService } from '../identity/account-service.js';
import type { Logger } from '../ops/logger.js';
import { changePasswordBody, loginBody, registerBody, type ErrorResponse } from './account-schemas.js';
import { INTERNAL, toHttpError } from './http-errors.js';

export interface AccountRouteDeps {
  accounts: AccountService;
  log: Logger;
}

/** Parse a body or answer 400 INVALID_MESSAGE naming the first bad field (never echoing values). */
function body<T>(schema: z.ZodType<T>, req: FastifyRequest): T {
  const r = schema.safeParse(req.body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  throw new PresenceError('INVALID_MESSAGE', `${where}${issue?.message ?? 'invalid body'}`);
}

/** The session token of `Authorization: Bearer <token>`. */
function bearer(req: FastifyRequest): string {
  const m = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1] || m[1].length > HARD_LIMITS.tokenLength) {
    throw new PresenceError('UNAUTHORIZED', 'Send the session token as "Authorization: Bearer <token>".');
  }
  return m[1];
}

/** A guest's token in `Authorization: Bearer`, if any: registering or logging in upgrades it. */
function optionalBearer(req: FastifyRequest): string | undefined {
  const m = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1] && m[1].length <= HARD_LIMITS.tokenLength ? m[1] : undefined;
}

/**
 * Local accounts over REST: register, login, logout, change password, who am I. Bodies are JSON
 * validated with the schemas in account-schemas.ts; every failure is `{code, message}` with a
 * protocol error code. Bodies are never logged (they hold passwords).
 */
export async function registerAccountRoutes(app: FastifyInstance, deps: AccountRouteDeps): Promise<void> {
  const { accounts } = deps;
  // An encapsulated scope, so this error handler covers these routes only.
  await app.register(async (scope) => {
    scope.setErrorHandler((err: unknown, req, reply) => {
      if (err instanceof LoginRateLimitedError) {
        reply.header('retry-after', String(Math.ceil(err.retryAfterMs / 1000)));
        const payload: ErrorResponse = {
          code: err.code,
          message: err.message,
          retryAfterMs: err.retryAfterMs,
        };
        return reply.code(429).send(payload);
      }
      const known = toHttpError(err);
      if (known) return reply.code(known.status).send(known.body);
      deps.log.error({ err, route: req.routeOptions.url }, 'account route failed');
      return reply.code(INTERNAL.status).send(INTERNAL.body);
    });

    scope.post('/api/accounts', async (req, reply) => {
      const result = await accounts.register(body(registerBody, req), optionalBearer(req));
      reply.code(201);
      return result;
    });

    scope.post('/api/login', async (req) =>
      accounts.login(body(loginBody, req), req.ip, optionalBearer(req)),
    );

    scope.post('/api/logout', async (req, reply) => {
      await accounts.logout(bearer(req));
      reply.code(204);
      return reply.send();
    });

    scope.post('/api/account/password', async (req) => {
      const token = bearer(req);
      return accounts.changePassword(token, body(changePasswordBody, req), req.ip);
    });

    scope.get('/api/me', async (req) => {
      const identity = await accounts.me(bearer(req));
      const { id, name, avatar } = identity.user;
      return { userId: id, name, avatar, kind: identity.kind };
    });
  });
}
