import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createFederation, type Federation } from '../../src/federation/federation.js';
import { FederationError } from '../../src/federation/federation-errors.js';
import {
  HttpFederationTransport,
  type FederationTransport,
} from '../../src/federation/federation-transport.js';
import { LoopbackFederationTransport } from '../../src/federation/loopback-transport.js';
import { registerFederationRoutes } from '../../src/http/federation-routes.js';
import { createLogger } from '../../src/ops/logger.js';
import { validateConfig } from '../../src/ops/config.js';
import { freePort } from './federation-kit.js';

/**
 * The transport seam's contract, held against every implementation: HTTP (signed POSTs to a real
 * listening server) and loopback (the same signing and verification, no socket). Both reach the
 * same two federation objects, a.test and b.test, each published over HTTP for key discovery.
 */
const log = createLogger('silent');
const sink = { watching: () => false, deliver: () => undefined };
const dirs: string[] = [];
const apps: FastifyInstance[] = [];
const feds = new Map<string, Federation>();

async function serve(
  domain: string,
  port: number,
  peers: string[],
  deny: string[] = [],
): Promise<Federation> {
  const dataDir = await mkdtemp(join(tmpdir(), 'presence-transport-'));
  dirs.push(dataDir);
  const config = validateConfig({
    domain,
    dataDir,
    federation: true,
    federationPeers: peers,
    federationDeny: deny,
    logLevel: 'silent',
  });
  const fed = createFederation({ config, secret: undefined, local: sink, log });
  const app = Fastify();
  await registerFederationRoutes(app, { ...fed.routes, log });
  await app.listen({ host: '127.0.0.1', port });
  apps.push(app);
  feds.set(domain, fed);
  return fed;
}

function contract(name: string, make: () => FederationTransport): void {
  describe(`federation transport contract: ${name}`, () => {
    test('a signed request reaches the peer and its reply comes back', async () => {
      const reply = (await make().send('b.test', 'presence', { boot: 'x', subscribe: [] })) as Record<
        string,
        unknown
      >;
      assert.equal(typeof reply['boot'], 'string');
      assert.deepEqual(reply['push'], []);
    });
    test('a body the peer refuses rejects with its code', async () => {
      await assert.rejects(make().send('b.test', 'presence', { nonsense: 1 }), (err: unknown) => {
        assert.ok(err instanceof FederationError);
        assert.equal(err.code, 'BAD_FEDERATION_REQUEST');
        return true;
      });
    });
    test('a peer that denies the origin refuses it: DOMAIN_REFUSED', async () => {
      await assert.rejects(make().send('c.test', 'presence', { boot: 'x' }), { code: 'DOMAIN_REFUSED' });
    });
    test('an unknown destination: PEER_UNREACHABLE', async () => {
      await assert.rejects(make().send('nowhere.test', 'presence', { boot: 'x' }), {
        code: 'PEER_UNREACHABLE',
      });
    });
  });
}

let peers: string[] = [];
before(async () => {
  const [pa, pb, pc] = [await freePort(), await freePort(), await freePort()];
  peers = [`a.test=http://127.0.0.1:${pa}`, `b.test=http://127.0.0.1:${pb}`, `c.test=http://127.0.0.1:${pc}`];
  await serve('a.test', pa, peers);
  await serve('b.test', pb, peers);
  await serve('c.test', pc, peers, ['a.test']);
});
after(async () => {
  for (const f of feds.values()) f.close();
  for (const app of apps) await app.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const fedA = (): Federation => feds.get('a.test') as Federation;

contract(
  'HTTP',
  () =>
    new HttpFederationTransport({
      origin: 'a.test',
      keys: fedA().keys,
      peers: fedA().peers,
      timeoutMs: 2_000,
    }),
);
contract(
  'loopback',
  () =>
    new LoopbackFederationTransport({
      origin: 'a.test',
      keys: fedA().keys,
      peers: new Map(
        ['b.test', 'c.test'].map((d) => {
          const f = feds.get(d) as Federation;
          return [d, { verifier: f.routes.verifier, inbox: f.inbox }];
        }),
      ),
    }),
);
