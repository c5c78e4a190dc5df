import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PresenceClient, PresenceRequestError, type SendFailed } from '../../src/index.js';
import { FakeServer, memoryTransport } from '../support/fake-server.js';

function setup(budget: { ratePerSecond: number; burst: number }) {
  const server = new FakeServer();
  server.budget = budget;
  const client = new PresenceClient({
    transport: memoryTransport(server),
    name: 'Ada',
    reconnect: { minDelayMs: 2, maxDelayMs: 10 },
    requestTimeoutMs: 5000,
    heartbeat: false,
  });
  return { server, client };
}

/** Replay arrival times through the server's own bucket rule: how many frames it would refuse. */
function refusals(arrivals: number[], ratePerSecond: number, burst: number): number {
  let tokens = burst;
  let last = arrivals[0] ?? 0;
  let refused = 0;
  for (const at of arrivals) {
    tokens = Math.min(burst, tokens + ((at - last) * ratePerSecond) / 1000);
    last = at;
    if (tokens >= 1) tokens -= 1;
    else refused++;
  }
  return refused;
}

test('a burst of requests is paced within the announced budget: the server would refuse none', async (t) => {
  const { server, client } = setup({ ratePerSecond: 100, burst: 10 });
  t.after(() => client.close());
  const arrivals: number[] = [];
  server.intercept = () => {
    arrivals.push(performance.now());
  };
  await client.connect();
  const replies = await Promise.all(Array.from({ length: 40 }, () => client.request('ping', {})));
  assert.equal(replies.length, 40);
  assert.equal(arrivals.length, 41, 'hello and 40 pings');
  assert.equal(refusals(arrivals, 100, 10), 0);
  // Without pacing all 40 would have arrived at once; paced, the last waits for ~30 refills.
  assert.ok((arrivals.at(-1) ?? 0) - (arrivals[0] ?? 0) >= 250, 'spread out, not sent at once');
});

test('a request answered RATE_LIMITED anyway is sent again after retryAfterMs; the caller never sees it', async (t) => {
  const { server, client } = setup({ ratePerSecond: 20, burst: 60 });
  t.after(() => client.close());
  const errors: unknown[] = [];
  client.on('error', (e) => errors.push(e));
  await client.connect();
  const { room } = await client.request('room.create', {});
  let refused = 0;
  server.intercept = (m, conn) => {
    if (m['type'] !== 'chat.send' || refused > 0) return false;
    refused++;
    conn.send({ type: 'error', id: m['id'], code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 60 });
    return true;
  };
  const started = Date.now();
  const ack = await client.sendChat(room.id, 'again');
  assert.equal(ack.duplicate, false);
  assert.ok(Date.now() - started >= 55, 'waited as asked');
  const sends = server.received('chat.send');
  assert.equal(sends.length, 2);
  assert.equal(sends[0]?.['nonce'], sends[1]?.['nonce'], 'the same message, same nonce');
  assert.deepEqual(errors, []);
});

test('while waiting, typing keeps only its latest state, a stop after a send is implied, read markers merge', async (t) => {
  // Burst 3: after the hello only one token is left, so everything after the first request queues.
  const { server, client } = setup({ ratePerSecond: 10, burst: 3 });
  t.after(() => client.close());
  await client.connect();
  const room = server.createRoom('r1');
  server.intercept = (m, conn) => {
    if (m['type'] === 'chat.typing') conn.send({ type: 'ok', id: m['id'], result: {} });
    else if (m['type'] === 'room.read') {
      conn.send({ type: 'ok', id: m['id'], result: { lastRead: m['seq'], unread: 0 } });
    } else return false;
    return true;
  };
  room.members.add(server.last);
  const done = [
    client.request('chat.typing', { room: 'r1', typing: true }), // sent at once (the last token)
    client.sendChat('r1', 'a'),
    client.request('chat.typing', { room: 'r1', typing: true }),
    client.request('chat.typing', { room: 'r1', typing: false }), // replaces the start above…
    client.sendChat('r1', 'b'), // …and is implied by this send
    client.request('room.read', { room: 'r1', seq: 5 }),
    client.request('room.read', { room: 'r1', seq: 7 }),
    client.request('room.read', { room: 'r1', seq: 6 }),
  ];
  const results = await Promise.all(done);
  const sent = server
    .received()
    .filter((m) => m['type'] !== 'hello')
    .map((m) => [m['type'], m['typing'] ?? m['text'] ?? m['seq']]);
  assert.deepEqual(sent, [
    ['chat.typing', true],
    ['chat.send', 'a'],
    ['chat.send', 'b'],
    ['room.read', 7],
  ]);
  assert.deepEqual(results.slice(5), [
    { lastRead: 7, unread: 0 },
    { lastRead: 7, unread: 0 },
    { lastRead: 7, unread: 0 },
  ]);
});

test('pending sends: listed until settled; a refusal ends as send.failed with the server code', async (t) => {
  const { server, client } = setup({ ratePerSecond: 20, burst: 60 });
  t.after(() => client.close());
  await client.connect();
  const { room } = await client.request('room.create', {});
  const events: string[] = [];
  const failures: SendFailed[] = [];
  client.on('send.pending', (p) => events.push(`pending ${p.text}`));
  client.on('send.settled', (s) => events.push(`settled ${s.text} ${s.result.seq}`));
  client.on('send.failed', (f) => failures.push(f));
  const ok = client.sendChat(room.id, 'stored', { nonce: 'n-1' });
  const refused = client.sendChat('nowhere', 'refused');
  assert.deepEqual(
    client.pendingSends().map((p) => [p.room, p.nonce, p.text]),
    [
      [room.id, 'n-1', 'stored'],
      ['nowhere', client.pendingSends('nowhere')[0]?.nonce, 'refused'],
    ],
  );
  const ack = await ok;
  await assert.rejects(
    refused,
    (e: unknown) => e instanceof PresenceRequestError && e.code === 'NOT_IN_ROOM',
  );
  assert.deepEqual(events, ['pending stored', 'pending refused', `settled stored ${ack.seq}`]);
  assert.equal(failures.length, 1);
  assert.equal(failures[0]?.text, 'refused');
  assert.ok(failures[0]?.error instanceof PresenceRequestError && failures[0].error.code === 'NOT_IN_ROOM');
  assert.deepEqual(client.pendingSends(), []);
  assert.equal(server.received('chat.send').length, 2);
});
