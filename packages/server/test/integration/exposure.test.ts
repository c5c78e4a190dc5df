import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

/**
 * What the server tells people it should not, and text it should not accept (issue 11, item 16):
 * hello.rooms positions of private rooms, /metrics without access control, spoofing display
 * names, and text lengths counted in code points.
 */

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ maxTextLength: 10 });
});
after(async () => {
  await srv.close();
});

test('hello.rooms tells a removed member and a stranger nothing about a private room', async () => {
  const owner = await RawClient.tcp(srv.tcp.port);
  const ownerToken = (await owner.hello('Owner'))['token'];
  const created = (await owner.ok('room.create', { name: 'Secret' }))['room'] as Json;
  const room = created['id'] as string;
  const bob = await RawClient.ws(srv.wsUrl);
  const bobWelcome = await bob.hello('Bob');
  const joined = await bob.ok('room.join', { room });
  const epoch = (joined['room'] as Json)['epoch'] as string;
  await owner.ok('room.update', { room, visibility: 'private' });
  await owner.ok('chat.send', { room, text: 'private' });
  await owner.ok('room.remove', { room, user: bobWelcome['userId'] });
  bob.close();

  // Bob, with his old token and a correct position, and a stranger guessing the epoch.
  const again = await RawClient.ws(srv.wsUrl);
  const resumed = await again.hello('Bob', { token: bobWelcome['token'], rooms: [{ room, epoch, seq: 1 }] });
  const stranger = await RawClient.tcp(srv.tcp.port);
  const guessed = await stranger.hello('Eve', { rooms: [{ room, epoch: 'guess', seq: 0 }] });
  for (const welcome of [resumed, guessed]) {
    const [recovery] = welcome['rooms'] as Json[];
    assert.deepEqual(recovery, { room, recovered: false, epoch: null, seq: 0, code: 'FORBIDDEN' });
  }
  // A member still learns where the room is (the rule hides rooms only from who may not join).
  const ownerAgain = await RawClient.tcp(srv.tcp.port);
  const ownerWelcome = await ownerAgain.hello('Owner', {
    token: ownerToken,
    rooms: [{ room, epoch: 'stale', seq: 0 }],
  });
  const [own] = ownerWelcome['rooms'] as Json[];
  assert.equal(own?.['epoch'], epoch);
  assert.ok((own?.['seq'] as number) > 0);
  for (const c of [owner, again, stranger, ownerAgain]) c.close();
});

test('display names: zero-width-only, blank and bidi-override names are refused with a typed error', async () => {
  const refused = [
    '\u200b\u200b',
    '\u200b \u200d',
    '\u3164',
    '\u2800\u2800',
    '\u202eevilname',
    'Ann\u2066e',
    '\u200f',
  ];
  for (const name of refused) {
    const c = await RawClient.tcp(srv.tcp.port);
    const reply = await c.request('hello', { v: 1, name });
    assert.equal(reply['code'], 'INVALID_MESSAGE', `${JSON.stringify(name)}: ${JSON.stringify(reply)}`);
    c.close();
  }
  const accepted = ['Zoë', 'محمد', 'שלום', '👨\u200d👩\u200d👧 family', '李小龍'];
  for (const name of accepted) {
    const c = await RawClient.tcp(srv.tcp.port);
    assert.equal((await c.hello(name))['name'], name);
    c.close();
  }
  const res = await fetch(`${srv.httpUrl}/api/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'zwsp', password: 'correct horse battery', name: '\u200b' }),
  });
  assert.equal(res.status, 400);
});

test('chat text is limited in code points, as names are', async () => {
  const c = await RawClient.ws(srv.wsUrl);
  await c.hello('Counter');
  const room = ((await c.ok('room.create'))['room'] as Json)['id'] as string;
  // Ten emoji are ten characters (twenty UTF-16 units): within maxTextLength 10.
  const ten = await c.request('chat.send', { room, text: '😀'.repeat(10) });
  assert.equal(ten['type'], 'ok', JSON.stringify(ten));
  const eleven = await c.request('chat.send', { room, text: '😀'.repeat(11) });
  assert.equal(eleven['code'], 'MESSAGE_TOO_LONG');
  const edit = await c.request('chat.edit', {
    room,
    seq: (ten['result'] as Json)['seq'],
    text: 'é'.repeat(10),
  });
  assert.equal(edit['type'], 'ok', JSON.stringify(edit));
  c.close();
});

test('/metrics can require a bearer token and an allowed address', async () => {
  const guarded = await startTestServer({ metricsToken: 's3cret-scrape', metricsAllow: ['127.0.0.0/8'] });
  const closed = await startTestServer({ metricsAllow: ['10.0.0.0/8', '::1'] });
  try {
    assert.equal((await fetch(`${srv.httpUrl}/metrics`)).status, 200, 'open by default');
    const none = await fetch(`${guarded.httpUrl}/metrics`);
    assert.equal(none.status, 401);
    assert.equal(((await none.json()) as Json)['code'], 'UNAUTHORIZED');
    const wrong = await fetch(`${guarded.httpUrl}/metrics`, { headers: { authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    const right = await fetch(`${guarded.httpUrl}/metrics`, {
      headers: { authorization: 'Bearer s3cret-scrape' },
    });
    assert.equal(right.status, 200);
    assert.match(await right.text(), /presence_/);
    const elsewhere = await fetch(`${closed.httpUrl}/metrics`);
    assert.equal(elsewhere.status, 403);
    assert.equal(((await elsewhere.json()) as Json)['code'], 'FORBIDDEN');
  } finally {
    await guarded.close();
    await closed.close();
  }
  await assert.rejects(startTestServer({ metricsAllow: ['not-an-address'] }), /metricsAllow/);
});
