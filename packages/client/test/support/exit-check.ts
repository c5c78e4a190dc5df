// Run as a child process by lifecycle.test.ts: sets up a client in the given scenario and returns
// from the top level. The process must then exit promptly on its own; a leftover ref'd timer
// would keep it alive (reconnect sleep ≥ 10 s, request timeout 60 s, heartbeat 60 s).
import { PresenceClient } from '../../src/index.js';
import { FakeServer, memoryTransport, until } from './fake-server.js';

const scenario = process.argv[2];
const server = new FakeServer();
server.heartbeat = { intervalMs: 60_000, timeoutMs: 60_000 };
const client = new PresenceClient({
  transport: memoryTransport(server),
  reconnect: { minDelayMs: 20_000, maxDelayMs: 30_000 },
  requestTimeoutMs: 60_000,
});
await client.connect();
server.intercept = (m) => m['type'] === 'room.history';

if (scenario === 'close-while-reconnecting') {
  const pending = client.request('room.history', { room: 'x' }).catch((e: Error) => e.message);
  await until(() => server.received('room.history').length === 1, 'history sent');
  server.last.kill();
  await until(() => client.state === 'reconnecting', 'reconnecting');
  client.close();
  process.stdout.write(`done: ${await pending}\n`);
} else if (scenario === 'close-while-connected') {
  void client.request('room.history', { room: 'x' }).catch(() => {});
  client.close();
  process.stdout.write('done\n');
} else if (scenario === 'idle-without-close') {
  // Only the heartbeat timer is left; it is unref'd, so it must not hold the process.
  process.stdout.write('done\n');
} else {
  throw new Error(`unknown scenario ${scenario}`);
}
