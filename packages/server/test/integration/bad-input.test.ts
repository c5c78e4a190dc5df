import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

let srv: TestServer;
/** A bystander in a room with a message already acknowledged: it must be unaffected by every attack. */
let bystander: RawClient;
let room: string;
before(async () => {
  srv = await startTestServer({ maxFrameBytes: 2048, maxTextLength: 100, roomMaxMembers: 3 });
  bystander = await RawClient.ws(srv.wsUrl);
  await bystander.hello('Bystander');
  room = ((await bystander.ok('room.create'))['room'] as Json)['id'] as string;
  await bystander.ok('chat.send', { room, text: 'acknowledged before the attacks' });
});
after(async () => {
  // Everything acknowledged is still there and the bystander is still served.
  const history = await bystander.ok('room.history', { room });
  assert.ok((history['events'] as Json[]).some((e) => e['text'] === 'acknowledged before the attacks'));
  assert.ok(!bystander.closed);
  bystander.close();
  await srv.close();
});

async function expectError(c: RawClient, code: string, id?: number): Promise<Json> {
  const err = await c.next((m) => m['type'] === 'error' && (id === undefined || m['id'] === id));
  assert.equal(err['code'], code, JSON.stringify(err));
  assert.equal(typeof err['message'], 'string');
  return err;
}

for (const kind of ['ws', 'tcp'] as const) {
  const open = () => (kind === 'ws' ? RawClient.ws(srv.wsUrl) : RawClient.tcp(srv.tcp.port));

  test(`${kind}: malformed input gets typed errors and the connection survives`, async () => {
    const c = await open();
    c.sendRaw('this is not json');
    await expectError(c, 'PROTOCOL_ERROR');
    c.sendRaw('[1,2,3]');
    await expectError(c, 'PROTOCOL_ERROR');
    c.sendRaw('{"no":"type"}');
    await expectError(c, 'PROTOCOL_ERROR');
    c.send({ type: 'room.join', id: 7, room: 'abc' });
    await expectError(c, 'HELLO_REQUIRED', 7);
    c.send({ type: 'definitely.not.a.type', id: 8 });
    await expectError(c, 'UNKNOWN_TYPE', 8);
    c.send({ type: 'hello', id: 9, v: 'one' });
    await expectError(c, 'INVALID_MESSAGE', 9);
    await c.hello('Eve');
    c.send({ type: 'hello', id: 10, v: 1 });
    await expectError(c, 'ALREADY_HELLO', 10);
    c.send({ type: 'chat.send', id: 11, room: 'bad room id!', text: 'x' });
    await expectError(c, 'INVALID_MESSAGE', 11);
    c.send({ type: 'chat.send', id: 12, text: 'missing room' });
    await expectError(c, 'INVALID_MESSAGE', 12);
    c.send({ type: 'chat.send', room: 'abc', text: 'missing id' });
    await expectError(c, 'INVALID_MESSAGE');
    c.send({ type: 'room.join', id: 13, room: 'doesnotexist' });
    await expectError(c, 'ROOM_NOT_FOUND', 13);
    c.send({ type: 'chat.send', id: 14, room, text: 'not a member' });
    await expectError(c, 'NOT_IN_ROOM', 14);
    c.send({ type: 'room.leave', id: 15, room });
    await expectError(c, 'NOT_IN_ROOM', 15);
    const mine = ((await c.ok('room.create'))['room'] as Json)['id'] as string;
    c.send({ type: 'chat.send', id: 16, room: mine, text: 'x'.repeat(101) });
    await expectError(c, 'MESSAGE_TOO_LONG', 16);
    c.send({ type: 'chat.send', id: 17, room: mine, text: '   ' });
    await expectError(c, 'INVALID_MESSAGE', 17);
    c.send({ type: 'chat.edit', id: 18, room: mine, seq: 1, text: 'edit a join event' });
    await expectError(c, 'MESSAGE_NOT_FOUND', 18);
    // Still fully usable afterwards.
    const sent = await c.ok('chat.send', { room: mine, text: 'still here' });
    assert.equal(sent['duplicate'], false);
    assert.ok(!c.closed);
    c.close();
  });

  test(`${kind}: a frame over maxFrameBytes gets FRAME_TOO_LARGE and a close; others are unaffected`, async () => {
    const c = await open();
    await c.hello('Big');
    c.send({ type: 'ping', id: 1, pad: 'x'.repeat(4096) });
    await expectError(c, 'FRAME_TOO_LARGE');
    await c.waitClosed();
    if (kind === 'ws') assert.equal(c.closeCode, 1009);
    assert.equal((await bystander.ok('ping'))['ts'] !== undefined, true);
  });
}

test('an unsupported protocol version gets UNSUPPORTED_VERSION and a close', async () => {
  for (const c of [await RawClient.ws(srv.wsUrl), await RawClient.tcp(srv.tcp.port)]) {
    c.send({ type: 'hello', id: 1, v: 3 });
    await expectError(c, 'UNSUPPORTED_VERSION', 1);
    await c.waitClosed();
    assert.equal(c.received.filter((m) => m['type'] === 'error').length, 0, 'one error, as the reply');
  }
});

test('tcp: a line that never ends is cut off at maxFrameBytes', async () => {
  const c = await RawClient.tcp(srv.tcp.port);
  c.sendRaw('{"type":"ping","id":1,"pad":"' + 'y'.repeat(3000));
  await expectError(c, 'FRAME_TOO_LARGE');
  await c.waitClosed();
});

test('ws: binary frames are refused with PROTOCOL_ERROR', async () => {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(srv.wsUrl);
  await new Promise((r) => ws.once('open', r));
  const reply = new Promise<Json>((resolve) =>
    ws.once('message', (d) => resolve(JSON.parse(d.toString()) as Json)),
  );
  ws.send(Buffer.from('{"type":"ping","id":1}'));
  assert.equal((await reply)['code'], 'PROTOCOL_ERROR');
  ws.terminate();
});

test('a session in too many rooms gets LIMIT_EXCEEDED', async () => {
  const few = await startTestServer({ maxRoomsPerSession: 2 });
  try {
    const c = await RawClient.tcp(few.tcp.port);
    await c.hello('Collector');
    await c.ok('room.create');
    await c.ok('room.create');
    const third = await c.request('room.create');
    assert.equal(third['code'], 'LIMIT_EXCEEDED');
    await c.ok('ping');
    c.close();
  } finally {
    await few.close();
  }
});

test('a full room answers ROOM_FULL', async () => {
  const owner = await RawClient.ws(srv.wsUrl);
  await owner.hello('Owner');
  const r = ((await owner.ok('room.create'))['room'] as Json)['id'] as string;
  const others = await Promise.all([1, 2, 3].map(() => RawClient.tcp(srv.tcp.port)));
  for (const [i, o] of others.entries()) await o.hello(`P${i}`);
  await others[0]!.ok('room.join', { room: r });
  await others[1]!.ok('room.join', { room: r });
  const third = await others[2]!.request('room.join', { room: r });
  assert.equal(third['code'], 'ROOM_FULL');
  for (const o of [owner, ...others]) o.close();
});

test('flooding: RATE_LIMITED replies, then a close when sustained; the bystander is unaffected', async () => {
  const flood = await startTestServer({ rateLimitPerSecond: 5, rateLimitBurst: 10, rateLimitCloseAfter: 30 });
  try {
    const c = await RawClient.tcp(flood.tcp.port);
    await c.hello('Flood');
    for (let i = 0; i < 20; i++) c.send({ type: 'ping', id: 100 + i });
    const limited = await expectError(c, 'RATE_LIMITED');
    assert.ok(Number(limited['retryAfterMs']) > 0);
    assert.ok(!c.closed, 'a burst alone does not close the connection');
    for (let i = 0; i < 60; i++) c.send({ type: 'ping', id: 200 + i });
    await c.waitClosed();
    const closing = c.received.filter((m) => m['code'] === 'RATE_LIMITED' && m['id'] === undefined);
    assert.equal(closing.length, 1, 'the close is announced with RATE_LIMITED');
    const other = await RawClient.tcp(flood.tcp.port);
    await other.hello('Polite');
    await other.ok('ping');
    other.close();
  } finally {
    await flood.close();
  }
});

test('too many connections from one address: TOO_MANY_CONNECTIONS', async () => {
  const few = await startTestServer({ maxConnectionsPerIp: 2 });
  try {
    const a = await RawClient.tcp(few.tcp.port);
    const b = await RawClient.ws(few.wsUrl);
    const c = await RawClient.tcp(few.tcp.port);
    await expectError(c, 'TOO_MANY_CONNECTIONS');
    await c.waitClosed();
    await a.hello('A');
    await b.hello('B');
    a.close();
    await new Promise((r) => setTimeout(r, 50));
    const d = await RawClient.tcp(few.tcp.port);
    await d.hello('D');
    b.close();
    d.close();
  } finally {
    await few.close();
  }
});

test('a client that stops answering heartbeats is closed with HEARTBEAT_TIMEOUT', async () => {
  const hb = await startTestServer({ heartbeatIntervalMs: 100, heartbeatTimeoutMs: 150 });
  try {
    const { connect } = await import('node:net');
    const socket = connect(hb.tcp.port, '127.0.0.1');
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (text += d));
    await new Promise((r) => socket.once('connect', r));
    socket.write('{"type":"hello","id":1,"v":1}\n');
    await new Promise((r) => socket.once('close', r));
    assert.match(text, /"type":"ping"/);
    assert.match(text, /"code":"HEARTBEAT_TIMEOUT"/);
    // A client that answers pings stays.
    const polite = await RawClient.tcp(hb.tcp.port);
    await polite.hello('Polite');
    // Six pings answered span four timeouts: a client the server wrongly timed out would be gone.
    for (let i = 0; i < 6; i++) await polite.next((m) => m['type'] === 'ping' && m['id'] === undefined);
    assert.ok(!polite.closed);
    polite.close();
  } finally {
    await hb.close();
  }
});

test('a reader that never reads is cut off with SLOW_CONSUMER, not buffered without bound', async () => {
  const slow = await startTestServer({
    maxQueueBytes: 64 * 1024,
    rateLimitPerSecond: 100_000,
    rateLimitBurst: 100_000,
  });
  try {
    const { connect } = await import('node:net');
    const sender = await RawClient.ws(slow.wsUrl);
    await sender.hello('Sender');
    const r = ((await sender.ok('room.create'))['room'] as Json)['id'] as string;
    // The stuck client joins, then stops reading: its socket's receive buffer fills up.
    const stuck = connect(slow.tcp.port, '127.0.0.1');
    await new Promise((res) => stuck.once('connect', res));
    stuck.write(`{"type":"hello","id":1,"v":1}\n{"type":"room.join","id":2,"room":"${r}"}\n`);
    await new Promise((res) => setTimeout(res, 100));
    stuck.pause();
    const slowConsumerCloses = async (): Promise<number> => {
      const metric = await slow.server.metrics.errors.get();
      return metric.values.find((v) => v.labels['code'] === 'SLOW_CONSUMER')?.value ?? 0;
    };
    const text = 'z'.repeat(3000);
    let acked = 0;
    while (acked < 5000 && (await slowConsumerCloses()) === 0) {
      await sender.ok('chat.send', { room: r, text });
      acked++;
    }
    assert.equal(await slowConsumerCloses(), 1, 'the stuck reader was cut off');
    assert.ok(acked < 5000);
    // Kernel buffers hold a few MB on loopback; past them the server keeps at most maxQueueBytes.
    stuck.resume();
    await new Promise((res) => stuck.once('close', res));
    assert.ok(!sender.closed);
    await sender.ok('ping');
    sender.close();
  } finally {
    await slow.close();
  }
});
