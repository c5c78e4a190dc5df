import type { FastifyInstance } from 'fastify';
import { FederationError } from '../federation/federation-errors.js';
import { FEDERATION_KINDS, federationPath, type FederationKind } from '../federation/federation-transport.js';
import type { FederationInbox } from '../federation/federation-inbox.js';
import { WELL_KNOWN_PATH, type ServerDocument } from '../federation/peer-directory.js';
import type { RequestVerifier } from '../federation/request-verifier.js';
import type { ServerKeys } from '../federation/server-keys.js';
import type { Logger } from '../ops/logger.js';

export interface FederationRouteDeps {
  domain: string;
  /** Published base URL; empty = the URL the request came in on. */
  publicUrl: string;
  keys: ServerKeys;
  verifier: RequestVerifier;
  inbox: FederationInbox;
  log: Logger;
}

/** Batches of presence for many users fit; anything larger is refused before parsing. */
const FEDERATION_BODY_LIMIT = 1024 * 1024;

/**
 * The federation endpoints: `GET /.well-known/presence/server` (who this server is, where its
 * federation endpoint is, its verify keys) and `POST /_federation/v1/<kind>`, every one verified
 * (signature, origin, destination, time, nonce) before its body is looked at.
 */
export async function registerFederationRoutes(
  app: FastifyInstance,
  deps: FederationRouteDeps,
): Promise<void> {
  app.get(WELL_KNOWN_PATH, async (req, reply) => {
    const url = deps.publicUrl || `${req.protocol}://${req.host}`;
    const doc: ServerDocument = { server: deps.domain, federationUrl: url, keys: deps.keys.published() };
    reply.header('cache-control', 'public, max-age=300');
    return doc;
  });
  for (const kind of FEDERATION_KINDS) registerKind(app, deps, kind);
}

function registerKind(app: FastifyInstance, deps: FederationRouteDeps, kind: FederationKind): void {
  const path = federationPath(kind);
  app.post(path, { bodyLimit: FEDERATION_BODY_LIMIT }, async (req, reply) => {
    try {
      const origin = await deps.verifier.verify({
        method: req.method,
        path,
        authorization: req.headers.authorization,
        body: req.body ?? null,
      });
      return await deps.inbox.handle(origin, kind, req.body);
    } catch (err) {
      if (err instanceof FederationError) {
        reply.code(err.status);
        return { code: err.code, message: err.message };
      }
      deps.log.error({ err, kind }, 'federation request failed');
      reply.code(500);
      return { code: 'INTERNAL_ERROR', message: 'The request could not be handled.' };
    }
  });
}
