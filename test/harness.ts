import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPresenceServer, type Config, type PresenceServer } from '../packages/server/src/index.js';

export interface TestServer {
  server: PresenceServer;
  httpUrl: string;
  wsUrl: string;
  tcp: { host: string; port: number };
  dataDir: string;
  close(): Promise<void>;
}

/**
 * A real server in this process on 127.0.0.1 with ephemeral ports and a temporary data directory
 * (SQLite unless `databaseUrl` is given). `close()` shuts it down and removes the directory,
 * unless `keepDataDir` (restart tests reuse it).
 */
export async function startTestServer(
  overrides: Partial<Config> = {},
  options: { keepDataDir?: boolean } = {},
): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? (await mkdtemp(join(tmpdir(), 'presence-test-')));
  const server = await createPresenceServer({
    host: '127.0.0.1',
    port: 0,
    tcpPort: 0,
    logLevel: 'silent',
    shutdownGraceMs: 500,
    // No Janus child per test server: SFU tests pass janusBinary or janusUrl themselves.
    janusBinary: 'none',
    ...overrides,
    dataDir,
  });
  const { httpPort, tcpPort } = await server.listen();
  return {
    server,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    wsUrl: `ws://127.0.0.1:${httpPort}/ws`,
    tcp: { host: '127.0.0.1', port: tcpPort ?? -1 },
    dataDir,
    async close() {
      await server.close();
      if (!options.keepDataDir && !overrides.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
