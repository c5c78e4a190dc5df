import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  PresenceClient,
  wsTransport,
  type PendingSend,
  type SendFailed,
  type SendSettled,
} from '../../packages/client/src/node.js';
import { startTestServer, type TestServer } from '../harness.js';
import { StallProxy } from '../stall-proxy.js';

/**
 * A link that dies silently (no close, no reset): the SDK notices within ~2.5 s, keeps what was sent
 * meanwhile as pending however long it takes, and sends it again on the new connection, where the
 * server stores each nonce once — also the message whose acknowledgement was lost on the dead link.
 */

let srv: TestServer;
let proxy: StallProxy;
before(async () => {
  srv = await startTestServer({ rateLimitPerSecond: 5_000, rateLimitBurst: 5_000 });
  proxy = new StallProxy({ host: '127.0.0.1', port: Number(new URL(srv.httpUrl).port) });
  await proxy.start();
});
after(async () => {
  await proxy.close();
  await srv.close();
});

async function until(check: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a dead link shows within ~2.5 s; messages sent meanwhile stay pending and are stored once after the reconnect', async (t) => {
  const ann = new PresenceClient({
    transport: wsTransport(`ws://127.0.0.1:${proxy.port}/ws`),
    name: 'Ann',
    reconnect: { minDelayMs: 50, maxDelayMs: 200 },
    // Shorter than the outage: a pending chat message must not time out while there is no connection.
    requestTimeoutMs: 1_000,
  });
  const bob = new PresenceClient({ transport: wsTransport(srv.wsUrl), name: 'Bob' });
  t.after(() => {
    ann.close();
    bob.close();
  });
  await ann.connect();
  await bob.connect();
  const { room } = await ann.request('room.create', {});
  await bob.request('room.join', { room: room.id });
  const pending: PendingSend[] = [];
  const settled: SendSettled[] = [];
  const failed: SendFailed[] = [];
  ann.on('send.pending', (p) => pending.push(p));
  ann.on('send.settled', (s) => settled.push(s));
  ann.on('send.failed', (f) => failed.push(f));
  const bobSaw: string[] = [];
  bob.on('message', (m) => bobSaw.push(m.text));

  proxy.stall();
  const diedAt = Date.now();
  // Reaches the server (and is stored), but its acknowledgement is lost with the link.
  const first = ann.sendChat(room.id, 'into the dead link');
  await until(() => bobSaw.includes('into the dead link'), 'the server stored the first message', 3_000);
  await until(() => ann.state === 'reconnecting', 'the client noticed the dead link', 3_500);
  const noticedMs = Date.now() - diedAt;
  assert.ok(noticedMs <= 3_000, `noticed after ${noticedMs} ms`);

  const second = ann.sendChat(room.id, 'written while offline');
  assert.deepEqual(
    ann.pendingSends(room.id).map((p) => p.text),
    ['into the dead link', 'written while offline'],
  );
  assert.deepEqual(
    pending.map((p) => p.text),
    ['into the dead link', 'written while offline'],
  );
  // Stay offline for longer than requestTimeoutMs, then let the network come back.
  await new Promise((r) => setTimeout(r, 1_500));
  proxy.restore();

  const [a, b] = await Promise.all([first, second]);
  assert.equal(a.duplicate, true, 'the re-send of the stored message was recognised by its nonce');
  assert.equal(b.duplicate, false);
  assert.deepEqual(
    settled.map((s) => [s.text, s.nonce === pending.find((p) => p.text === s.text)?.nonce]),
    [
      ['into the dead link', true],
      ['written while offline', true],
    ],
  );
  assert.deepEqual(failed, []);
  assert.deepEqual(ann.pendingSends(), []);
  await until(() => bobSaw.includes('written while offline'), 'the second message', 3_000);
  const history = await bob.request('room.history', { room: room.id, after: 0 });
  const texts = history.events.flatMap((e) => (e.type === 'message' ? [e.text] : []));
  assert.deepEqual(texts, ['into the dead link', 'written while offline'], 'each stored once, in order');
  assert.deepEqual(bobSaw, texts);
});
