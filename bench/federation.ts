/**
 * Federation: server-to-server messages and bytes per presence change, batched per destination
 * server vs one request per change.
 *
 *   npm run bench -- federation [--quick]
 *
 * 1,000 users spread over 3 servers (a.test, b.test, c.test), each with about 20 contacts picked at
 * random across all three (so most contacts are remote). Every user is online and subscribed. Each
 * server runs the real presence engine and the real federation code (RemotePresence, signing and
 * verification) over the loopback transport, which does everything the HTTP one does but the
 * socket; what crosses is counted there. After the first watches have settled, random state
 * changes are applied:
 *   - batched: changes arrive at the rate of the population (one per user every 5 minutes ≈ 3.3/s),
 *     and each server sends what a 15 s window collected (federationBatchMs, the default);
 *   - one per change: each change is sent as soon as it is made (a window of one change).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceState } from '@presence/protocol';
import { createFederation, type Federation } from '../packages/server/src/federation/federation.js';
import {
  LoopbackFederationTransport,
  type LoopbackPeer,
} from '../packages/server/src/federation/loopback-transport.js';
import { authorize } from '../packages/server/src/federation/request-signing.js';
import { validateConfig } from '../packages/server/src/ops/config.js';
import { createLogger } from '../packages/server/src/ops/logger.js';
import { PresenceService, type PresenceSink } from '../packages/server/src/presence/presence-service.js';

const quick = process.argv.includes('--quick');
const USERS = 1_000;
const CONTACTS = 20;
const DOMAINS = ['a.test', 'b.test', 'c.test'];
const CHANGES = quick ? 300 : 2_000;
/** Changes the whole population makes in a window of `s` seconds at one change per user per 5 minutes. */
const perWindow = (s: number): number => Math.round((USERS / 300) * s);
const WINDOWS = [10, 15, 30, 60];
const STATES: DeviceState[] = ['online', 'busy', 'away', 'chatty'];

function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n);
  };
}

interface Node {
  domain: string;
  fed: Federation;
  presence: PresenceService;
  users: string[];
}

interface Count {
  requests: number;
  bytes: number;
}

async function build(graph: Map<string, string[]>, count: Count, dirs: string[]): Promise<Node[]> {
  const log = createLogger('silent');
  const peers = new Map<string, LoopbackPeer>();
  const nodes: Node[] = [];
  for (const domain of DOMAINS) {
    const dataDir = await mkdtemp(join(tmpdir(), 'presence-bench-fed-'));
    dirs.push(dataDir);
    const config = validateConfig({
      domain,
      dataDir,
      federation: true,
      // Windows are driven by the bench (flushAll), so the timers never fire on their own.
      federationBatchMs: 60_000,
      federationPeerTimeoutMs: 3_600_000,
      federationPeerResyncMs: 3_600_000,
      presenceCoalesceMs: 60_000,
      logLevel: 'silent',
    });
    const users = [...graph.keys()].filter((u) => u.endsWith(`@${domain}`));
    const mine = new Set(users);
    // Every local user has a subscribed session; deliveries to them are not what is measured.
    const local: PresenceSink = { watching: (u) => mine.has(u), deliver: () => undefined };
    const made: { fed?: Federation } = {};
    const transport = {
      send: (d: string, kind: 'presence' | 'contact', body: object) => {
        const t = new LoopbackFederationTransport({
          origin: domain,
          keys: (made.fed as Federation).keys,
          peers,
          counter: {
            sent: (_d, _k, bytes) => {
              count.requests++;
              count.bytes += bytes;
            },
          },
        });
        return t.send(d, kind, body);
      },
    };
    const peerKeys = {
      keyOf: async (d: string, id: string) => nodes.find((n) => n.domain === d)?.fed.keys.published()[id],
    };
    const fed = createFederation({ config, secret: undefined, local, log, transport, peerKeys });
    const presence = new PresenceService({
      options: config,
      contacts: { contactIds: async (u) => graph.get(u) ?? [] },
      sink: fed.presence,
      remote: fed.presence,
    });
    made.fed = fed;
    const f = fed;
    f.presence.attach({
      viewOf: (u) => presence.viewOf(u),
      prepare: (u) => presence.prepare(u),
      canSee: (v, t) => presence.visibility.canSee(v, t),
    });
    peers.set(domain, { verifier: f.routes.verifier, inbox: f.inbox });
    nodes.push({ domain, fed: f, presence, users });
  }
  return nodes;
}

async function settle(nodes: Node[]): Promise<void> {
  for (let i = 0; i < 3; i++) {
    for (const n of nodes) await n.presence.flush();
    for (const n of nodes) await n.fed.presence.flushAll();
  }
}

async function run(
  perWindow: number,
  graph: Map<string, string[]>,
): Promise<{ requests: number; bytes: number; setup: Count }> {
  const dirs: string[] = [];
  const setup: Count = { requests: 0, bytes: 0 };
  const count: Count = { requests: 0, bytes: 0 };
  let counting = setup;
  const proxy: Count = {
    get requests() {
      return counting.requests;
    },
    set requests(v) {
      counting.requests = v;
    },
    get bytes() {
      return counting.bytes;
    },
    set bytes(v) {
      counting.bytes = v;
    },
  };
  const nodes = await build(graph, proxy, dirs);
  const home = new Map(nodes.flatMap((n) => n.users.map((u) => [u, n] as const)));
  for (const n of nodes)
    for (const u of n.users) n.presence.deviceOnline(u, `d-${u}`, { type: 'desktop', state: 'online' });
  await settle(nodes);
  // presence.subscribe on every user: the first watches (combined push + subscribe).
  for (const n of nodes)
    for (const u of n.users) n.fed.presence.watch(u, [...n.presence.visibility.visibleTo(u)]);
  await settle(nodes);
  counting = count;
  if (process.env.DEBUG_FED)
    for (const n of nodes) console.error(n.domain, JSON.stringify(n.fed.presence.peerStates()));
  const random = prng(7);
  const users = [...graph.keys()];
  for (let i = 0; i < CHANGES; i++) {
    const u = users[random(users.length)] as string;
    const n = home.get(u) as Node;
    n.presence.set(u, `d-${u}`, { state: STATES[random(STATES.length)] as DeviceState });
    if ((i + 1) % perWindow === 0 || i === CHANGES - 1) await settle(nodes);
  }
  for (const n of nodes) {
    n.presence.close();
    n.fed.close();
  }
  for (const d of dirs) await rm(d, { recursive: true, force: true });
  return { ...count, setup };
}

function graphOf(): Map<string, string[]> {
  const users = Array.from({ length: USERS }, (_, i) => `u${i}@${DOMAINS[i % DOMAINS.length]}`);
  const sets = new Map(users.map((u) => [u, new Set<string>()]));
  const random = prng(42);
  let edges = 0;
  while (edges < (USERS * CONTACTS) / 2) {
    const a = users[random(USERS)] as string;
    const b = users[random(USERS)] as string;
    if (a === b || sets.get(a)?.has(b)) continue;
    sets.get(a)?.add(b);
    sets.get(b)?.add(a);
    edges++;
  }
  return new Map([...sets].map(([u, s]) => [u, [...s]]));
}

const graph = graphOf();
let remotePairs = 0;
for (const [u, cs] of graph) for (const c of cs) if (u.split('@')[1] !== c.split('@')[1]) remotePairs++;
const batches: [number, Awaited<ReturnType<typeof run>>][] = [];
for (const w of WINDOWS) batches.push([w, await run(perWindow(w), graph)]);
const batched = (batches.find(([w]) => w === 15) as [number, Awaited<ReturnType<typeof run>>])[1];
const single = await run(1, graph);
// The signature header every request carries on top of its body.
const header = authorize({ currentKeyId: 'ed25519:0a1b2c3d', sign: () => 'x'.repeat(86) } as never, {
  method: 'POST',
  path: '/_federation/v1/presence',
  origin: 'a.test',
  destination: 'b.test',
  body: {},
}).length;
const row = (name: string, r: { requests: number; bytes: number }): string =>
  `| ${name} | ${r.requests.toLocaleString('en')} | ${(r.requests / CHANGES).toFixed(3)} | ${Math.round(r.bytes / CHANGES).toLocaleString('en')} | ${Math.round((r.bytes + r.requests * header) / CHANGES).toLocaleString('en')} |`;
console.log(
  [
    `${USERS.toLocaleString('en')} users over ${DOMAINS.length} servers, ${CONTACTS} contacts each on average ` +
      `(${(remotePairs / 2).toLocaleString('en')} of the contact pairs cross servers); ${CHANGES.toLocaleString('en')} random state changes.`,
    'Batched: the changes of one window at one change per user per 5 minutes (15 s = 50 changes).',
    '',
    '| mode | requests | requests per change | body bytes per change | bytes per change with the signature header |',
    '| --- | --- | --- | --- | --- |',
    ...batches.map(([w, r]) =>
      row(`batched per destination, ${w} s window${w === 15 ? ' (default)' : ''}`, r),
    ),
    row('one request per change', single),
    '',
    `Initial sync (every user's first watch, combined push + subscribe): ${batched.setup.requests} requests, ` +
      `${Math.round(batched.setup.bytes / 1024).toLocaleString('en')} KiB of bodies for ${USERS.toLocaleString('en')} users. ` +
      `Each request also carries a ~${header}-byte X-Presence authorization header. ` +
      'Watchdog traffic is separate: at most one reminder per peer per federationPeerTimeoutMs (60 s) when nothing else crossed.',
  ].join('\n'),
);
