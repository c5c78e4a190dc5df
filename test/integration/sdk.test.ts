import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  PresenceClient,
  PresenceRequestError,
  tcpTransport,
  wsTransport,
  type ClientTransport,
  type TransportFactory,
} from '../../packages/client/src/node.js';
import type { RoomEvent } from '../../packages/protocol/src/index.js';
import { startTestServer, type TestServer } from '../harness.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ rateLimitPerSecond: 5_000, rateLimitBurst: 5_000 });
});
after(async () => {
  await srv.close();
});

/** A transport factory whose live connection the test can cut, as a network switch would. */
function cuttable(make: TransportFactory): { factory: TransportFactory; cut(): void } {
  let current: ClientTransport | undefined;
  return {
    factory: () => (current = make()),
    cut: () => current?.close(),
  };
}

const tick = (ms = 50): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('the SDK chats over WebSocket and TCP with typed requests and events', async () => {
  const ann = new PresenceClient({ transport: wsTransport(srv.wsUrl), name: 'Ann' });
  const bob = new PresenceClient({ transport: tcpTransport(srv.tcp), name: 'Bob' });
  const welcome = await ann.connect();
  await bob.connect();
  assert.match(welcome.userId, /^~.+@localhost$/);
  const { room } = await ann.request('room.create', {});
  await bob.request('room.join', { room: room.id });
  const got = new Promise<Extract<RoomEvent, { type: 'message' }>>((resolve) =>
    bob.on('message', (m) => resolve(m)),
  );
  const sent = await ann.sendChat(room.id, 'hi _bob_');
  const message = await got;
  assert.equal(message.seq, sent.seq);
  assert.equal(message.html, '<p>hi <em>bob</em></p>');
  await assert.rejects(bob.request('room.join', { room: 'nosuchroom' }), (e: unknown) => {
    return e instanceof PresenceRequestError && e.code === 'ROOM_NOT_FOUND';
  });
  ann.close();
  bob.close();
});

test('the SDK recovers by itself after its connection is cut: every message once, in order', async () => {
  const link = cuttable(tcpTransport(srv.tcp));
  const ann = new PresenceClient({
    transport: link.factory,
    name: 'Ann',
    reconnect: { minDelayMs: 20, maxDelayMs: 100 },
  });
  const bob = new PresenceClient({ transport: wsTransport(srv.wsUrl), name: 'Bob' });
  await ann.connect();
  await bob.connect();
  const { room } = await ann.request('room.create', {});
  await bob.request('room.join', { room: room.id });
  const seen: string[] = [];
  ann.on('message', (m) => seen.push(m.text));
  const recovered: boolean[] = [];
  ann.on('recovered', (r) => recovered.push(r.recovered));
  const states: string[] = [];
  ann.on('state', (s) => states.push(s));

  await bob.sendChat(room.id, 'before');
  await tick();
  link.cut();
  for (let i = 0; i < 5; i++) await bob.sendChat(room.id, `while away ${i}`);
  // Ann also sends while disconnected: the SDK queues it and sends it once after the resume.
  const annSend = ann.sendChat(room.id, 'sent while reconnecting');
  await bob.sendChat(room.id, 'after');
  await annSend;
  for (let i = 0; i < 40 && !seen.includes('after'); i++) await tick();
  assert.deepEqual(seen, [
    'before',
    'while away 0',
    'while away 1',
    'while away 2',
    'while away 3',
    'while away 4',
    ...(seen.indexOf('sent while reconnecting') < seen.indexOf('after')
      ? ['sent while reconnecting', 'after']
      : ['after', 'sent while reconnecting']),
  ]);
  assert.ok(recovered.length > 0 && recovered.every(Boolean), `recovered: ${JSON.stringify(recovered)}`);
  assert.ok(states.includes('reconnecting'));
  assert.equal(states.at(-1), 'connected');
  const history = await bob.request('room.history', { room: room.id, after: 0 });
  const texts = history.events.flatMap((e) => (e.type === 'message' ? [e.text] : []));
  assert.equal(texts.filter((t) => t === 'sent while reconnecting').length, 1, 'stored exactly once');
  ann.close();
  bob.close();
});

test('SDK request errors carry the server reason (INVITE_INVALID)', async () => {
  const c = new PresenceClient({ transport: tcpTransport(srv.tcp), name: 'Inv' });
  await c.connect();
  await assert.rejects(c.request('room.join', { invite: 'no-such-invite-code' }), (e: unknown) => {
    return e instanceof PresenceRequestError && e.code === 'INVITE_INVALID' && e.reason === 'not_found';
  });
  c.close();
});
