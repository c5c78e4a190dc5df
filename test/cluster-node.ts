import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_DATABASE_URL } from './postgres.js';
import { spawnServer, type ServerProcess } from './server-process.js';

/** The Redis every cluster test shares (each run under a key prefix of its own). */
export const REDIS_URL = process.env['PRESENCE_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/**
 * One node of a test cluster: a server process with its own data directory (pushed to `dirs`, for
 * the test to remove), sharing PostgreSQL (`schema`), Redis (`prefix`) and the server secret.
 */
export function spawnClusterNode(options: {
  schema: string;
  prefix: string;
  secret: string;
  nodeId: string;
  dirs: string[];
  /** Other ways to PostgreSQL and Redis than the defaults (from inside a network namespace). */
  databaseUrl?: string;
  redisUrl?: string;
  /** More command-line options (timings of the cluster under test). */
  extra?: string[];
}): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'presence-cluster-'));
  options.dirs.push(dir);
  return spawnServer([
    '--data-dir',
    dir,
    '--database-url',
    options.databaseUrl ?? TEST_DATABASE_URL,
    '--database-schema',
    options.schema,
    '--redis-url',
    options.redisUrl ?? REDIS_URL,
    '--redis-prefix',
    options.prefix,
    '--server-secret',
    options.secret,
    '--node-id',
    options.nodeId,
    ...(options.extra ?? []),
  ]);
}
