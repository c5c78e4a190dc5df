import { createServer } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { spawnServer, type ServerProcess } from '../../../../test/server-process.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';
import type { Config } from '../../src/index.js';

/** Helpers for tests with several federated servers on loopback (different domains, static map). */

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Fast timers for tests: a 50 ms batch, a 600 ms short watchdog. */
export const FAST = {
  federation: true,
  federationBatchMs: 50,
  federationPeerTimeoutMs: 600,
  federationPeerResyncMs: 60_000,
  federationRequestTimeoutMs: 5_000,
  federationDirectoryRefreshMs: 300,
  presenceCoalesceMs: 20,
} satisfies Partial<Config>;

export interface Cluster {
  ports: Record<string, number>;
  /** The static map every server gets: every domain = its loopback URL. */
  peers: string[];
}

export async function planServers(domains: readonly string[]): Promise<Cluster> {
  const ports: Record<string, number> = {};
  for (const d of domains) ports[d] = await freePort();
  return { ports, peers: domains.map((d) => `${d}=http://127.0.0.1:${ports[d]}`) };
}

export async function startFederated(
  plan: Cluster,
  domain: string,
  extra: Partial<Config> = {},
): Promise<TestServer> {
  return startTestServer({
    ...FAST,
    domain,
    port: plan.ports[domain],
    federationPeers: plan.peers,
    ...extra,
  });
}

/** A federated server in a child process (so it can be SIGKILLed), keeping `dataDir` across restarts. */
export async function spawnFederated(
  plan: Cluster,
  domain: string,
  dataDir?: string,
): Promise<ServerProcess & { dataDir: string }> {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'presence-fed-')));
  const flags = [
    '--port',
    String(plan.ports[domain]),
    '--domain',
    domain,
    '--data-dir',
    dir,
    '--federation-peers',
    plan.peers.join(','),
  ];
  for (const [k, v] of Object.entries(FAST)) {
    flags.push(`--${k.replace(/([A-Z])/g, '-$1').toLowerCase()}`, String(v));
  }
  return { ...(await spawnServer(flags)), dataDir: dir };
}

export interface Account {
  id: string;
  name: string;
  token: string;
}

let n = 0;

export async function register(httpUrl: string, name: string): Promise<Account> {
  const username = `${name.toLowerCase()}${++n}${Math.random().toString(36).slice(2, 6)}`;
  const res = await fetch(`${httpUrl}/api/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery', name }),
  });
  const body = (await res.json()) as Json;
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(body)}`);
  return { id: body['userId'] as string, name, token: body['token'] as string };
}

export async function connect(tcpPort: number, account: Account): Promise<RawClient> {
  const c = await RawClient.tcp(tcpPort);
  await c.hello(account.name, { token: account.token });
  return c;
}

/** Every presence entry about `userId` that `c` received, oldest first. */
export function entries(c: RawClient, userId: string): Json[] {
  return c.received
    .filter((m) => m['type'] === 'presence')
    .flatMap((m) => (m['users'] as Json[]).filter((u) => u['user'] === userId));
}

export async function until(what: string, cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Wait until the latest presence `c` heard about `userId` has `state`. */
export async function seesState(
  c: RawClient,
  userId: string,
  state: string,
  timeoutMs = 15_000,
): Promise<void> {
  await until(
    `seeing ${userId} ${state} (latest: ${JSON.stringify(entries(c, userId).at(-1))})`,
    () => entries(c, userId).at(-1)?.['state'] === state,
    timeoutMs,
  );
}

/** Make `a` (on one server) and `b` (on another) contacts: request, the live event, accept. */
export async function befriend(a: RawClient, aId: string, b: RawClient, bId: string): Promise<void> {
  const r = await a.ok('contacts.request', { user: bId, message: 'hello from afar' });
  if (r['status'] === 'accepted') return;
  await b.event('contact', (m) => m['kind'] === 'request' && (m['user'] as Json)['id'] === aId, 15_000);
  await b.ok('contacts.accept', { user: aId });
  await a.event('contact', (m) => m['kind'] === 'accepted' && (m['user'] as Json)['id'] === bId, 15_000);
}
