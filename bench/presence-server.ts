// The system under test: a Presence server in its own process, limits opened up for load, plus
// whatever BENCH_SERVER_CONFIG (JSON) adds (the cluster bench: Redis, PostgreSQL, a node id).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPresenceServer } from '../packages/server/src/index.js';
import { serveBenchIpc } from './cpu-child.js';

const extra = JSON.parse(process.env['BENCH_SERVER_CONFIG'] ?? '{}') as Record<string, unknown>;
const server = await createPresenceServer({
  host: '127.0.0.1',
  port: 0,
  tcpPort: -1,
  logLevel: 'silent',
  dataDir: mkdtempSync(join(tmpdir(), 'presence-bench-')),
  rateLimitPerSecond: 1_000_000,
  rateLimitBurst: 1_000_000,
  maxConnectionsPerIp: 100_000,
  roomMaxMembers: 100_000,
  maxQueueBytes: 64 * 1024 * 1024,
  metrics: false,
  ...extra,
});
const { httpPort } = await server.listen();
serveBenchIpc(httpPort, {}, () => server.close());
