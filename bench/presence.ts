/**
 * Presence at scale, in two parts.
 *
 *   node --import tsx bench/presence.ts [--quick]
 *
 * 1. Engine throughput: 10,000 users, each online with one device and subscribed, each with about
 *    50 contacts (a random symmetric graph). Random state changes are applied to the
 *    PresenceService in-process and flushed in batches (one batch = one coalescing window), and the
 *    CPU time of the whole thing (process.cpuUsage) gives changes per CPU-second, i.e. per core.
 *    Every flush builds the real payloads and their WebSocket frames (OutboundFrame.wsBytes());
 *    only the socket writes are left out.
 * 2. Join-to-visible over real sockets: a room of 50 subscribed members; newcomers join one at a
 *    time and the time from sending room.join until each member has the newcomer's presence is
 *    recorded. Server and clients share this process, so the figures include client-side work.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeviceState } from '@presence/protocol';
import { createPresenceServer } from '../packages/server/src/index.js';
import { PresenceService, type PresenceSink } from '../packages/server/src/presence/presence-service.js';
import { OutboundFrame } from '../packages/server/src/transport/outbound-frame.js';
import { RawClient, type Json } from '../test/raw-client.js';

const quick = process.argv.includes('--quick');
const USERS = 10_000;
const CONTACTS = 50;

// --- part 1: the engine --------------------------------------------------------------------

/** A seeded PRNG (mulberry32), so every run measures the same graph and the same changes. */
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

/** A random symmetric contact graph with `degree` contacts per user on average. */
function contactGraph(users: string[], degree: number): Map<string, string[]> {
  const sets = new Map(users.map((u) => [u, new Set<string>()]));
  const random = prng(42);
  let edges = 0;
  while (edges < (users.length * degree) / 2) {
    const u = users[random(users.length)]!;
    const v = users[random(users.length)]!;
    if (u === v || sets.get(u)!.has(v)) continue;
    sets.get(u)!.add(v);
    sets.get(v)!.add(u);
    edges++;
  }
  return new Map([...sets].map(([u, s]) => [u, [...s]]));
}

interface EngineResult {
  perFlush: number;
  changes: number;
  cpuSeconds: number;
  frames: number;
  payloads: number;
  /** JSON bytes handed to recipients (a shared payload counts once per recipient). */
  bytes: number;
}

const users = Array.from({ length: USERS }, (_, i) => `u${i}@bench`);
const graph = contactGraph(users, CONTACTS);
const degree = [...graph.values()].reduce((n, c) => n + c.length, 0) / USERS;

async function engine(perFlush: number, changes: number): Promise<EngineResult> {
  const watching = new Set(users);
  let frames = 0;
  let payloads = 0;
  let bytes = 0;
  const sink: PresenceSink = {
    watching: (u) => watching.has(u),
    deliver: (to, json) => {
      new OutboundFrame(json).wsBytes();
      payloads++;
      frames += to.length;
      bytes += to.length * json.length;
    },
  };
  const presence = new PresenceService({
    options: { presenceIdleMs: 300_000, presenceCoalesceMs: 250, presenceDeviceTimeoutMs: 3_600_000 },
    contacts: { contactIds: (u) => Promise.resolve(graph.get(u) ?? []) },
    sink,
  });
  const states: DeviceState[] = ['chatty', 'online', 'busy', 'away'];
  const current = new Map<string, DeviceState>();
  for (const u of users) {
    presence.deviceOnline(u, `${u}/d`, { type: 'web', state: 'online' });
    current.set(u, 'online');
  }
  await presence.flush();
  frames = payloads = bytes = 0;

  const random = prng(7);
  const before = process.cpuUsage();
  for (let done = 0; done < changes;) {
    for (let i = 0; i < perFlush && done < changes; i++, done++) {
      const u = users[random(USERS)]!;
      const was = current.get(u)!;
      let next = states[random(states.length)]!;
      if (next === was) next = states[(states.indexOf(next) + 1) % states.length]!;
      current.set(u, next);
      presence.set(u, `${u}/d`, { state: next });
    }
    await presence.flush();
  }
  const used = process.cpuUsage(before);
  presence.close();
  return { perFlush, changes, cpuSeconds: (used.user + used.system) / 1e6, frames, payloads, bytes };
}

// --- part 2: join-to-visible ---------------------------------------------------------------

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function joinToVisible(coalesceMs: number, members: number, joiners: number): Promise<number[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'presence-bench-presence-'));
  const server = await createPresenceServer({
    host: '127.0.0.1',
    port: 0,
    tcpPort: -1,
    logLevel: 'silent',
    dataDir,
    metrics: false,
    presenceCoalesceMs: coalesceMs,
    maxConnectionsPerIp: 10_000,
  });
  const { httpPort } = await server.listen();
  const url = `ws://127.0.0.1:${httpPort}/ws`;
  const host = await RawClient.ws(url);
  await host.hello('Host');
  const room = ((await host.ok('room.create'))['room'] as Json)['id'] as string;
  const watchers = await Promise.all(
    Array.from({ length: members }, async (_, i) => {
      const c = await RawClient.ws(url);
      await c.hello(`M${i}`);
      await c.ok('room.join', { room });
      await c.ok('presence.subscribe');
      return c;
    }),
  );
  await new Promise((r) => setTimeout(r, 5 * coalesceMs + 200));
  const samples: number[] = [];
  for (let j = 0; j < joiners; j++) {
    const newcomer = await RawClient.ws(url);
    const id = (await newcomer.hello(`J${j}`))['userId'] as string;
    const started = performance.now();
    const seen = watchers.map((w) =>
      w
        .next((m) => m['type'] === 'presence' && (m['users'] as Json[]).some((u) => u['user'] === id), 10_000)
        .then(() => samples.push(performance.now() - started)),
    );
    await newcomer.ok('room.join', { room });
    await Promise.all(seen);
  }
  for (const c of [host, ...watchers]) c.close();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
  return samples.sort((a, b) => a - b);
}

// --- report --------------------------------------------------------------------------------

const total = quick ? 5_000 : 300_000;
const rows: EngineResult[] = [];
for (const perFlush of [100, 1_000, 10_000]) rows.push(await engine(perFlush, total));

console.log(
  `Engine in-process: ${USERS.toLocaleString('en')} users online and subscribed, ${degree.toFixed(1)} contacts each on average, ${total.toLocaleString('en')} random state changes per row; payloads and WebSocket frames built, socket writes left out.\n`,
);
console.log(
  '| changes per flush | CPU s | changes / CPU s | frames / change | bytes / change | distinct payloads / flush |',
);
console.log('|---|---|---|---|---|---|');
for (const r of rows) {
  const flushes = Math.ceil(r.changes / r.perFlush);
  console.log(
    `| ${r.perFlush.toLocaleString('en')} | ${r.cpuSeconds.toFixed(2)} | ${Math.round(r.changes / r.cpuSeconds).toLocaleString('en')} | ${(r.frames / r.changes).toFixed(1)} | ${Math.round(r.bytes / r.changes)} | ${Math.round(r.payloads / flushes).toLocaleString('en')} |`,
  );
}

const MEMBERS = 50;
const JOINERS = quick ? 3 : 40;
console.log(
  `\nJoin-to-visible over WebSocket: a room of ${MEMBERS} subscribed members, ${JOINERS} newcomers joining one at a time; time from sending room.join until a member has the newcomer's presence (${MEMBERS * JOINERS} samples per row).\n`,
);
console.log('| presenceCoalesceMs | median ms | p99 ms | max ms |');
console.log('|---|---|---|---|');
for (const window of [250, 50]) {
  const s = await joinToVisible(window, MEMBERS, JOINERS);
  console.log(
    `| ${window} | ${percentile(s, 0.5).toFixed(1)} | ${percentile(s, 0.99).toFixed(1)} | ${(s.at(-1) ?? NaN).toFixed(1)} |`,
  );
}
