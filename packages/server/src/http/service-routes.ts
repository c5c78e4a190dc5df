import { randomUUID } from 'node:crypto';
import { PresenceError } from '@presence/protocol';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import type { ChatService } from '../chat/chat-service.js';
import { userRefOf } from '../identity/identity-service.js';
import { bearerKey, verifyServiceKey } from '../identity/service-keys.js';
import { createServiceUser, systemUser } from '../identity/service-users.js';
import type { SessionTokens } from '../identity/session-tokens.js';
import type { Logger } from '../ops/logger.js';
import { inviteInvalid, toInviteView, type InviteService } from '../rooms/invite-service.js';
import type { RoomAdmin } from '../rooms/room-admin.js';
import type { ModerationService } from '../moderation/moderation-service.js';
import type { StoredUser } from '../store/identity-store.js';
import type { Store } from '../store/store.js';
import type { StreamKeyService } from '../live/whip/stream-keys.js';
import type { LiveService } from '../live/live-service.js';
import type { ApiOperation, OperationInput } from './api-operation.js';
import { INTERNAL, toHttpError } from './http-errors.js';
import { registerApiDocs } from './openapi-routes.js';
import { serviceOperations as ops } from './service-api-schemas.js';

export interface ServiceRouteDeps {
  store: Store;
  admin: RoomAdmin;
  chat: ChatService;
  invites: InviteService;
  /** The audit log (moderation). */
  audit: Pick<ModerationService, 'readAudit'>;
  tokens: SessionTokens;
  domain: string;
  log: Logger;
  /** Shown in the API documentation. */
  version: string;
  /** WHIP stream keys (the service key acts as the operator). */
  streamKeys: StreamKeyService;
  /** Rooms' call settings (the service key acts as the operator; rooms whose home is here). */
  live: Pick<LiveService, 'operatorState' | 'operatorSettings'>;
}

/** Parse one part of a request or answer 400 INVALID_MESSAGE naming the first bad field. */
function parse<T>(schema: z.ZodType<T>, value: unknown, part: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${part}.${issue.path.join('.')}` : part;
  throw new PresenceError('INVALID_MESSAGE', `${where}: ${issue?.message ?? 'invalid'}`);
}

function serviceUserView(user: StoredUser) {
  const ref = userRefOf(user);
  return { id: ref.id, name: ref.name, avatar: ref.avatar, kind: user.kind, createdAt: user.createdAt };
}

/**
 * The service API: a trusted backend holding a service key (`Authorization: Bearer psk_…`) creates
 * users and mints their sessions, creates rooms and manages their members, and posts messages.
 * Every operation is described in service-api-schemas.ts; the routes here validate with exactly
 * those schemas. Also registers the API's documentation (/api/openapi.json, /api/docs).
 */
export async function registerServiceRoutes(app: FastifyInstance, deps: ServiceRouteDeps): Promise<void> {
  const { store, admin, chat, invites, tokens, domain } = deps;

  async function userRef(userId: string) {
    const user = await store.accounts.getUser(userId);
    if (!user) throw new PresenceError('USER_NOT_FOUND', `No user "${userId}".`);
    return userRefOf(user);
  }

  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req, reply) => {
      // Answers carry session tokens and membership: never cache them anywhere.
      reply.header('cache-control', 'no-store');
      const key = bearerKey(req.headers.authorization);
      if (key === null || !(await verifyServiceKey(store.serviceKeys, key))) {
        reply.code(401).header('www-authenticate', 'Bearer realm="presence-service"');
        return reply.send({
          code: 'UNAUTHORIZED',
          message: 'Send a valid service key as "Authorization: Bearer psk_…".',
        });
      }
    });

    scope.setErrorHandler((err: unknown, req, reply) => {
      const known = toHttpError(err);
      if (!known) deps.log.error({ err, route: req.routeOptions.url }, 'service route failed');
      const { status, body } = known ?? INTERNAL;
      return reply.code(status).send(body);
    });

    function route<O extends ApiOperation>(
      op: O,
      handler: (input: OperationInput<O>, reply: FastifyReply) => Promise<unknown>,
    ): void {
      scope.route({
        method: op.method,
        url: op.path,
        handler: async (req, reply) => {
          const input = {
            params: op.params ? parse(op.params, req.params, 'path') : {},
            query: op.query ? parse(op.query, req.query, 'query') : {},
            body: op.body ? parse(op.body, req.body, 'body') : undefined,
          } as OperationInput<O>;
          return handler(input, reply);
        },
      });
    }

    route(ops.createUser, async ({ body }, reply) => {
      const user = await createServiceUser(store.accounts, domain, {
        local: body.id,
        name: body.name,
        avatarUrl: body.avatarUrl,
      });
      reply.code(201);
      return { user: serviceUserView(user) };
    });

    route(ops.createSession, async ({ params }, reply) => {
      const user = await store.accounts.getUser(params.userId);
      if (!user) throw new PresenceError('USER_NOT_FOUND', `No user "${params.userId}".`);
      // A fresh session id: the first hello with this token starts that session.
      const token = await tokens.sign({
        userId: user.id,
        sessionId: randomUUID(),
        name: user.name,
        tokenVersion: user.tokenVersion,
      });
      reply.code(201);
      return { token };
    });

    route(ops.createRoom, async ({ body }, reply) => {
      const owner = body.owner !== undefined ? await userRef(body.owner) : undefined;
      const room = await admin.createRoom({ ...body, owner });
      reply.code(201);
      return { room };
    });

    route(ops.listRooms, async ({ query }) => {
      const page = await admin.listRooms(query);
      return { ...page, limit: query.limit, offset: query.offset };
    });

    route(ops.listMembers, async ({ params }) => ({ members: await admin.members(params.id) }));

    route(ops.setMember, async ({ params, body }, reply) => {
      const user = await userRef(params.userId);
      const { member, added } = await admin.setMember(params.id, user, body.role);
      reply.code(added ? 201 : 200);
      return { member };
    });

    route(ops.removeMember, async ({ params }, reply) => {
      await admin.removeMember(params.id, params.userId);
      reply.code(204);
      return reply.send();
    });

    route(ops.postMessage, async ({ params, body }, reply) => {
      const result = await chat.post(params.id, body.text, body.as, systemUser(domain));
      reply.code(201);
      return result;
    });

    route(ops.createInvite, async ({ params, body }, reply) => {
      await admin.requireRoom(params.id);
      const invite = await invites.issue(params.id, systemUser(domain), body);
      reply.code(201);
      return { invite };
    });

    route(ops.readAudit, async ({ params, query }) => {
      await admin.requireRoom(params.id);
      return deps.audit.readAudit(params.id, { before: query.before, limit: query.limit });
    });

    route(ops.listInvites, async ({ params }) => {
      await admin.requireRoom(params.id);
      const active = await store.invites.listActiveInvites(params.id, Date.now());
      return { invites: active.map(toInviteView) };
    });

    route(ops.revokeInvite, async ({ params }, reply) => {
      if (!(await store.invites.revokeInvite(params.id, params.code, Date.now()))) {
        throw inviteInvalid('not_found');
      }
      reply.code(204);
      return reply.send();
    });

    route(ops.getLive, async ({ params }) => deps.live.operatorState(params.id));
    route(ops.setLive, async ({ params, body }) => deps.live.operatorSettings(params.id, body));

    // The service key acts as the operator (null user): any persistent room.
    route(ops.createStreamKey, async ({ params, body }, reply) => {
      reply.code(201);
      return deps.streamKeys.create(params.id, null, body.name);
    });
    route(ops.listStreamKeys, async ({ params }) => ({ keys: await deps.streamKeys.list(params.id, null) }));
    route(ops.rotateStreamKey, async ({ params }) => deps.streamKeys.rotate(params.id, null, params.key));
    route(ops.revokeStreamKey, async ({ params }) => ({
      key: await deps.streamKeys.revoke(params.id, null, params.key),
    }));
  });

  await registerApiDocs(app, deps.version);
}
