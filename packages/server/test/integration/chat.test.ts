import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.close();
});

const transports = {
  ws: () => RawClient.ws(srv.wsUrl),
  tcp: () => RawClient.tcp(srv.tcp.port),
};

for (const [kind, open] of Object.entries(transports)) {
  describe(`over ${kind}`, () => {
    test('hello gets a welcome with a server-qualified guest id and a signed token', async () => {
      const c = await open();
      const welcome = await c.hello('Ann');
      assert.equal(welcome['type'], 'welcome');
      assert.match(String(welcome['userId']), /^~[a-z2-7]{10}@localhost$/);
      assert.equal(welcome['name'], 'Ann');
      assert.equal(String(welcome['token']).split('.').length, 3);
      assert.equal(welcome['resumed'], false);
      c.close();
    });

    test('create, join, chat with markdown, typing, leave', async () => {
      const a = await open();
      const b = await open();
      await a.hello('Ann');
      await b.hello('Bob');
      const created = await a.ok('room.create');
      const room = (created['room'] as Json)['id'] as string;
      assert.match(room, /^[a-z2-7]{16}$/);
      assert.equal(created['role'], 'owner');

      const joined = await b.ok('room.join', { room });
      const names = (joined['members'] as Json[]).map((m) => m['name']).sort();
      assert.deepEqual(names, ['Ann', 'Bob']);
      const joinedEvent = await a.event('member.joined');
      assert.equal((joinedEvent['user'] as Json)['name'], 'Bob');
      assert.equal(joinedEvent['seq'], 2);

      const sent = await a.ok('chat.send', { room, text: 'hello **world**' });
      assert.equal(sent['seq'], 3);
      const got = await b.event('message');
      assert.equal(got['text'], 'hello **world**');
      assert.equal(got['html'], '<p>hello <strong>world</strong></p>');
      assert.equal((got['from'] as Json)['name'], 'Ann');
      assert.equal(got['seq'], 3);
      assert.equal(got['epoch'], (created['room'] as Json)['epoch']);
      // The sender gets its own message event too.
      await a.event('message', (m) => m['seq'] === 3);

      await b.ok('chat.typing', { room, typing: true });
      const typing = await a.event('typing');
      assert.equal(typing['typing'], true);
      assert.equal((typing['user'] as Json)['name'], 'Bob');

      await b.ok('room.leave', { room });
      const left = await a.event('member.left');
      assert.equal(left['reason'], 'left');
      a.close();
      b.close();
    });
  });
}

test('a TCP client and a WebSocket client chat in one room', async () => {
  const tcp = await RawClient.tcp(srv.tcp.port);
  const ws = await RawClient.ws(srv.wsUrl);
  await tcp.hello('Terminal');
  await ws.hello('Browser');
  const room = ((await tcp.ok('room.create'))['room'] as Json)['id'] as string;
  await ws.ok('room.join', { room });
  await tcp.ok('chat.send', { room, text: 'from tcp ✓' });
  assert.equal((await ws.event('message'))['text'], 'from tcp ✓');
  await ws.ok('chat.send', { room, text: 'from ws 🎉' });
  assert.equal(
    (await tcp.event('message', (m) => (m['from'] as Json)['name'] === 'Browser'))['text'],
    'from ws 🎉',
  );
  tcp.close();
  ws.close();
});

test('sending ends the sender’s typing: the room gets typing false after the message, without a stop request', async () => {
  const a = await RawClient.tcp(srv.tcp.port);
  const b = await RawClient.ws(srv.wsUrl);
  await a.hello('Ann');
  await b.hello('Bob');
  const room = ((await a.ok('room.create'))['room'] as Json)['id'] as string;
  await b.ok('room.join', { room });
  await a.ok('chat.typing', { room, typing: true });
  assert.equal((await b.event('typing'))['typing'], true);
  await a.ok('chat.send', { room, text: 'done typing' });
  await b.event('message', (m) => m['text'] === 'done typing');
  const stop = await b.event('typing');
  assert.deepEqual([stop['typing'], (stop['user'] as Json)['name']], [false, 'Ann']);
  // A message without typing first announces nothing; the next typing event is a fresh start.
  await a.ok('chat.send', { room, text: 'no typing before this' });
  await b.event('message', (m) => m['text'] === 'no typing before this');
  await a.ok('chat.typing', { room, typing: true });
  assert.equal((await b.event('typing'))['typing'], true);
  a.close();
  b.close();
});

test('a late joiner sees recent chat; seq numbers are consecutive', async () => {
  const a = await RawClient.ws(srv.wsUrl);
  await a.hello('Ann');
  const room = ((await a.ok('room.create'))['room'] as Json)['id'] as string;
  for (let i = 0; i < 5; i++) await a.ok('chat.send', { room, text: `m${i}` });
  const b = await RawClient.tcp(srv.tcp.port);
  await b.hello('Late');
  const joined = await b.ok('room.join', { room });
  const recent = joined['recent'] as Json[];
  assert.deepEqual(
    recent.filter((e) => e['type'] === 'message').map((e) => e['text']),
    ['m0', 'm1', 'm2', 'm3', 'm4'],
  );
  assert.deepEqual(
    recent.map((e) => e['seq']),
    recent.map((_, i) => i + 1),
  );
  assert.equal((joined['room'] as Json)['seq'], 7); // 1 join + 5 messages + Late's join
  a.close();
  b.close();
});

test('an empty unnamed room is purged and its id stops working', async () => {
  const a = await RawClient.ws(srv.wsUrl);
  await a.hello('Ann');
  const room = ((await a.ok('room.create'))['room'] as Json)['id'] as string;
  await a.ok('chat.send', { room, text: 'soon gone' });
  await a.ok('room.leave', { room });
  const again = await a.request('room.join', { room });
  assert.equal(again['type'], 'error');
  assert.equal(again['code'], 'ROOM_NOT_FOUND');
  const res = await fetch(`${srv.httpUrl}/api/rooms/${room}`);
  assert.equal(res.status, 404);
  a.close();
});

test('a disconnected member leaves after the grace period (timeout), and the room is purged', async () => {
  const short = await startTestServer({ sessionGraceMs: 150 });
  try {
    const a = await RawClient.tcp(short.tcp.port);
    const b = await RawClient.ws(short.wsUrl);
    await a.hello('Ann');
    await b.hello('Bob');
    const room = ((await a.ok('room.create'))['room'] as Json)['id'] as string;
    await b.ok('room.join', { room });
    b.close();
    const left = await a.event('member.left', () => true, 2_000);
    assert.equal(left['reason'], 'timeout');
    assert.equal((left['user'] as Json)['name'], 'Bob');
    a.close();
    await new Promise((r) => setTimeout(r, 400));
    assert.equal((await fetch(`${short.httpUrl}/api/rooms/${room}`)).status, 404);
  } finally {
    await short.close();
  }
});

test('the same nonce is stored once and acknowledged as a duplicate', async () => {
  const a = await RawClient.ws(srv.wsUrl);
  await a.hello('Ann');
  const room = ((await a.ok('room.create'))['room'] as Json)['id'] as string;
  const first = await a.ok('chat.send', { room, text: 'once', nonce: 'n-1' });
  const second = await a.ok('chat.send', { room, text: 'once', nonce: 'n-1' });
  assert.equal(first['duplicate'], false);
  assert.equal(second['duplicate'], true);
  assert.equal(second['seq'], first['seq']);
  const history = await a.ok('room.history', { room });
  assert.equal((history['events'] as Json[]).filter((e) => e['type'] === 'message').length, 1);
  a.close();
});
