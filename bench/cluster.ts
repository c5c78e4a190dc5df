// Cluster bench: room fan-out on 1 node vs 3 nodes sharing Redis and PostgreSQL. One room, members
// spread evenly over the nodes, the publisher on the first node. Throughput is deliveries per
// CPU-second of all server processes together (and with Redis's own CPU added); latency is
// publish→deliver at a fixed rate. Usage: npm run bench -- cluster [--quick]
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import type WebSocket from 'ws';
import { here, nodeServer, open, rpc, type BenchServer } from './bench-child.js';
import { processCpuMicros } from './proc.js';

const REDIS_URL = process.env['PRESENCE_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env['PRESENCE_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

interface Setup {
  name: string;
  nodes: number;
  redis: boolean;
}

const SETUPS: Setup[] = [
  { name: '1 node, in-process broker', nodes: 1, redis: false },
  { name: '1 node, Redis broker', nodes: 1, redis: true },
  { name: '3 nodes, Redis', nodes: 3, redis: true },
];

export interface ClusterResult {
  setup: string;
  members: number;
  deliveries: number;
  serverCpuSeconds: number;
  redisCpuSeconds: number;
  perServerCpuSecond: number;
  perTotalCpuSecond: number;
  rate: number;
  p50: number;
  p99: number;
}

async function redisPid(redis: Redis): Promise<number> {
  const info = await redis.info('server');
  const m = /process_id:(\d+)/.exec(info);
  if (!m) throw new Error('redis INFO has no process_id');
  return Number(m[1]);
}

async function startNodes(setup: Setup, prefix: string, schema: string): Promise<BenchServer[]> {
  const secret = randomBytes(32).toString('hex');
  const servers: BenchServer[] = [];
  for (let i = 0; i < setup.nodes; i++) {
    // Read by presence-server.ts; fork passes the environment as it is now.
    process.env['BENCH_SERVER_CONFIG'] = JSON.stringify(
      setup.redis
        ? {
            redisUrl: REDIS_URL,
            redisPrefix: prefix,
            databaseUrl: DATABASE_URL,
            databaseSchema: schema,
            serverSecret: secret,
            nodeId: `bench${i}`,
            ...(process.env['BENCH_CLUSTER_BATCH_MS'] !== undefined
              ? { clusterBatchMs: Number(process.env['BENCH_CLUSTER_BATCH_MS']) }
              : {}),
          }
        : {},
    );
    servers.push(await nodeServer(here('./presence-server.ts')));
  }
  delete process.env['BENCH_SERVER_CONFIG'];
  return servers;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runSetup(setup: Setup, quick: boolean, redis: Redis): Promise<ClusterResult> {
  const run = randomBytes(4).toString('hex');
  const prefix = `presence-bench-${run}:`;
  const schema = `presence_bench_${run}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  const servers = await startNodes(setup, prefix, schema);
  const sockets: WebSocket[] = [];
  try {
    const members = quick ? 150 : 300;
    const messages = quick ? 400 : 2000;
    const url = (i: number): string => `ws://127.0.0.1:${servers[i % servers.length]!.port}/ws`;
    const publisher = await open(url(0));
    sockets.push(publisher);
    await rpc(publisher, { type: 'hello', id: 1, v: 1, name: 'pub' });
    const created = await rpc(publisher, { type: 'room.create', id: 2 });
    const room = ((created['result'] as Record<string, unknown>)['room'] as Record<string, unknown>)['id'];
    const subscribers: WebSocket[] = [];
    for (let i = 0; i < members - 1; i++) {
      const s = await open(url(i + 1));
      sockets.push(s);
      subscribers.push(s);
      await rpc(s, { type: 'hello', id: 1, v: 1, name: `s${i}` });
      await rpc(s, { type: 'room.join', id: 2, room });
    }
    let received = 0;
    const latencies: number[] = [];
    let sampling = false;
    subscribers.forEach((s, i) => {
      // Latency from a tenth of the receivers (on every node), so parsing stays off the hot path.
      const sampled = i % 10 === 0;
      s.on('message', (data: Buffer) => {
        if (!data.includes('"message"')) return;
        received++;
        if (sampling && sampled) {
          const m = /t(\d+)t/.exec(data.toString());
          if (m) latencies.push(Date.now() - Number(m[1]));
        }
      });
    });
    let id = 10;
    const publish = (text: string): void =>
      publisher.send(JSON.stringify({ type: 'chat.send', id: id++, room, text }));
    const burst = async (n: number): Promise<void> => {
      const start = received;
      const text = 'x'.repeat(150);
      // At most 50 messages ahead of delivery, so no queue grows without bound.
      for (let i = 0; i < n; i++) {
        publish(text);
        while ((i + 1 - 50) * subscribers.length > received - start)
          await new Promise((r) => setImmediate(r));
      }
      const deadline = Date.now() + 30_000;
      while (received - start < n * subscribers.length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    await burst(100);
    const pid = setup.redis ? await redisPid(redis) : 0;
    const cpuBefore = await Promise.all(servers.map((s) => s.cpuMicros()));
    const redisBefore = setup.redis ? await processCpuMicros(pid) : 0;
    const startCount = received;
    await burst(messages);
    const deliveries = received - startCount;
    const cpuAfter = await Promise.all(servers.map((s) => s.cpuMicros()));
    const redisAfter = setup.redis ? await processCpuMicros(pid) : 0;
    const serverCpuSeconds = cpuAfter.reduce((sum, c, i) => sum + c - cpuBefore[i]!, 0) / 1e6;
    const redisCpuSeconds = (redisAfter - redisBefore) / 1e6;

    // Latency at a fixed, moderate rate: the same for every setup.
    const rate = 100;
    const seconds = quick ? 2 : 4;
    sampling = true;
    for (let i = 0; i < rate * seconds; i++) {
      publish(`t${Date.now()}t ${'x'.repeat(130)}`);
      await new Promise((r) => setTimeout(r, 1000 / rate));
    }
    await new Promise((r) => setTimeout(r, 500));
    sampling = false;
    latencies.sort((a, b) => a - b);
    return {
      setup: setup.name,
      members,
      deliveries,
      serverCpuSeconds,
      redisCpuSeconds,
      perServerCpuSecond: deliveries / serverCpuSeconds,
      perTotalCpuSecond: deliveries / (serverCpuSeconds + redisCpuSeconds),
      rate,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  } finally {
    for (const s of sockets) s.terminate();
    await Promise.all(servers.map((s) => s.stop()));
    await admin.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await admin.end();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  }
}

export async function clusterBench(quick: boolean): Promise<ClusterResult[]> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    await redis.ping();
  } catch (err) {
    await redis.quit().catch(() => undefined);
    throw new Error(`the cluster bench needs Redis at ${REDIS_URL}: ${(err as Error).message}`);
  }
  try {
    const results: ClusterResult[] = [];
    for (const setup of SETUPS) results.push(await runSetup(setup, quick, redis));
    return results;
  } finally {
    await redis.quit();
  }
}

export function clusterTable(results: ClusterResult[]): string {
  const base = results[0];
  const lines = [
    '| setup | members | deliveries | server CPU s | Redis CPU s | deliveries / server CPU s | deliveries / (server + Redis) CPU s | ratio to 1 node in-process | p50 ms | p99 ms (at ' +
      `${base?.rate ?? 0} msg/s) |`,
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const ratio = base ? (r.perTotalCpuSecond / base.perTotalCpuSecond).toFixed(2) : '-';
    lines.push(
      `| ${r.setup} | ${r.members} | ${r.deliveries} | ${r.serverCpuSeconds.toFixed(3)} | ${r.redisCpuSeconds.toFixed(3)} | ` +
        `${Math.round(r.perServerCpuSecond).toLocaleString('en')} | ${Math.round(r.perTotalCpuSecond).toLocaleString('en')} | ` +
        `${ratio} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}

// Run directly: node --import tsx bench/cluster.ts [--quick]
if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await clusterBench(process.argv.includes('--quick'));
  console.log(clusterTable(results));
}
