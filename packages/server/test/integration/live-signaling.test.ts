import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    liveMeshMax: 3,
    maxSdpBytes: 2_000,
    turnUrls: ['turn:127.0.0.1:3478?transport=udp'],
    stunUrls: ['stun:127.0.0.1:3478'],
    turnSecret: 's3cret',
    turnTtlSeconds: 600,
    sessionGraceMs: 300,
  });
});
after(async () => {
  await srv.close();
});

async function member(name: string, room?: string): Promise<{ c: RawClient; w: Json; room: string }> {
  const c = await RawClient.ws(srv.wsUrl);
  const w = await c.hello(name);
  const id = room ?? (((await c.ok('room.create'))['room'] as Json)['id'] as string);
  if (room) await c.ok('room.join', { room });
  return { c, w, room: id };
}

const OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

test('join a call, see who is in it, relay signals to exactly one participant', async () => {
  const a = await member('Ann');
  const b = await member('Bob', a.room);
  const c = await member('Cat', a.room);
  const joinA = await a.c.ok('live.join', { room: a.room, media: { audio: true, video: true } });
  assert.deepEqual(joinA['participants'], []);
  const you = joinA['you'] as Json;
  assert.equal(you['id'], a.w['sessionId']);
  assert.deepEqual(you['media'], { audio: true, video: true, screen: false });

  const joinB = await b.c.ok('live.join', { room: a.room });
  const others = joinB['participants'] as Json[];
  assert.deepEqual(
    others.map((p) => (p['user'] as Json)['name']),
    ['Ann'],
  );
  assert.ok(
    ((joinB['you'] as Json)['rank'] as number) > (you['rank'] as number),
    'the later joiner ranks higher (polite)',
  );
  // Everyone in the room, in the call or not, sees the call change.
  await a.c.event('live.joined', (m) => (m['participant'] as Json)['id'] === b.w['sessionId']);
  await c.c.event('live.joined', (m) => (m['participant'] as Json)['id'] === b.w['sessionId']);
  const snapshot = await c.c.ok('room.join', { room: a.room });
  assert.deepEqual((snapshot['live'] as Json[]).map((p) => (p['user'] as Json)['name']).sort(), [
    'Ann',
    'Bob',
  ]);

  await b.c.ok('live.signal', { room: a.room, to: a.w['sessionId'], signal: { kind: 'offer', sdp: OFFER } });
  const got = await a.c.event('live.signal');
  assert.equal(got['from'], b.w['sessionId']);
  assert.deepEqual(got['signal'], { kind: 'offer', sdp: OFFER });
  await a.c.ok('live.signal', {
    room: a.room,
    to: b.w['sessionId'],
    signal: {
      kind: 'candidate',
      candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0' },
    },
  });
  assert.equal(((await b.c.event('live.signal'))['signal'] as Json)['kind'], 'candidate');
  // That nobody else saw these two is checked once Cat is in the call (below).

  // Signals only between participants of the same call.
  const fromOutside = await c.c.request('live.signal', {
    room: a.room,
    to: a.w['sessionId'],
    signal: { kind: 'offer', sdp: OFFER },
  });
  assert.equal(fromOutside['code'], 'FORBIDDEN');
  const toOutside = await a.c.request('live.signal', {
    room: a.room,
    to: c.w['sessionId'],
    signal: { kind: 'offer', sdp: OFFER },
  });
  assert.equal(toOutside['code'], 'FORBIDDEN');
  const toSelf = await a.c.request('live.signal', {
    room: a.room,
    to: a.w['sessionId'],
    signal: { kind: 'offer', sdp: OFFER },
  });
  assert.equal(toSelf['code'], 'FORBIDDEN');
  const other = await member('Dan');
  await other.c.ok('live.join', { room: other.room });
  const crossRoom = await a.c.request('live.signal', {
    room: a.room,
    to: other.w['sessionId'],
    signal: { kind: 'offer', sdp: OFFER },
  });
  assert.equal(crossRoom['code'], 'FORBIDDEN');
  const stranger = await other.c.request('live.join', { room: a.room });
  assert.equal(stranger['code'], 'NOT_IN_ROOM');

  // Size limits.
  const big = await b.c.request('live.signal', {
    room: a.room,
    to: a.w['sessionId'],
    signal: { kind: 'offer', sdp: 'x'.repeat(2_001) },
  });
  assert.equal(big['code'], 'INVALID_MESSAGE');
  const bigCandidate = await b.c.request('live.signal', {
    room: a.room,
    to: a.w['sessionId'],
    signal: { kind: 'candidate', candidate: { candidate: 'y'.repeat(2_001) } },
  });
  assert.equal(bigCandidate['code'], 'INVALID_MESSAGE');
  const badKind = await b.c.request('live.signal', {
    room: a.room,
    to: a.w['sessionId'],
    signal: { kind: 'bye' },
  });
  assert.equal(badKind['code'], 'INVALID_MESSAGE');

  // Media state goes to the room.
  await b.c.ok('live.media', { room: a.room, audio: false, screen: true, speaking: true });
  const updated = await c.c.event(
    'live.updated',
    (m) => (m['participant'] as Json)['id'] === b.w['sessionId'],
  );
  assert.deepEqual((updated['participant'] as Json)['media'], { audio: false, video: false, screen: true });
  assert.equal((updated['participant'] as Json)['speaking'], true);

  // The mesh limit.
  await c.c.ok('live.join', { room: a.room });
  // Nobody else sees signals: signals to Cat come in order, so had one of Ann's and Bob's above
  // reached her, it would be the first she has, before this one meant for her.
  await a.c.ok('live.signal', {
    room: a.room,
    to: c.w['sessionId'],
    signal: { kind: 'offer', sdp: 'v=0\r\n' },
  });
  const toCat = await c.c.event('live.signal');
  assert.deepEqual([toCat['from'], toCat['signal']], [a.w['sessionId'], { kind: 'offer', sdp: 'v=0\r\n' }]);
  const e = await member('Eve', a.room);
  const full = await e.c.request('live.join', { room: a.room });
  assert.equal(full['code'], 'LIVE_FULL');

  await b.c.ok('live.leave', { room: a.room });
  const left = await a.c.event('live.left');
  assert.equal(left['participant'], b.w['sessionId']);
  assert.equal(left['reason'], 'left');
  await c.c.ok('room.leave', { room: a.room });
  assert.equal(
    (await a.c.event('live.left'))['participant'],
    c.w['sessionId'],
    'leaving the room leaves the call',
  );
  for (const x of [a, b, c, other, e]) x.c.close();
});

test("ICE: configured STUN plus per-user TURN credentials in coturn's shared-secret scheme", async () => {
  const a = await member('Ann');
  const join = await a.c.ok('live.join', { room: a.room });
  const ice = join['ice'] as { iceServers: Json[]; expiresAt: number };
  assert.deepEqual(ice.iceServers[0], { urls: ['stun:127.0.0.1:3478'] });
  const turn = ice.iceServers[1]!;
  const username = turn['username'] as string;
  const [expiry, user] = username.split(':') as [string, string];
  assert.equal(user, a.w['userId']);
  const ttl = Number(expiry) - Date.now() / 1000;
  assert.ok(ttl > 590 && ttl <= 600, `ttl ${ttl}`);
  assert.equal(turn['credential'], createHmac('sha1', 's3cret').update(username).digest('base64'));
  assert.equal(ice.expiresAt, Number(expiry) * 1000);
  const refreshed = await a.c.ok('live.ice', { room: a.room });
  assert.ok((refreshed['ice'] as Json)['expiresAt']);
  const outsider = await member('Out', a.room);
  assert.equal((await outsider.c.request('live.ice', { room: a.room }))['code'], 'FORBIDDEN');
  a.c.close();
  outsider.c.close();
});

test('a dropped participant shows as reconnecting, comes back, or leaves after the grace period', async () => {
  const a = await member('Ann');
  const b = await member('Bob', a.room);
  await a.c.ok('live.join', { room: a.room });
  await b.c.ok('live.join', { room: a.room });
  b.c.close();
  const reconnecting = await a.c.event(
    'live.updated',
    (m) => (m['participant'] as Json)['status'] === 'reconnecting',
  );
  assert.equal((reconnecting['participant'] as Json)['id'], b.w['sessionId']);
  const b2 = await RawClient.tcp(srv.tcp.port);
  await b2.hello('Bob', { token: b.w['token'] });
  const back = await a.c.event('live.updated', (m) => (m['participant'] as Json)['status'] === 'connected');
  assert.equal((back['participant'] as Json)['id'], b.w['sessionId']);
  // Signals reach the resumed session on its new connection.
  await a.c.ok('live.signal', { room: a.room, to: b.w['sessionId'], signal: { kind: 'offer', sdp: OFFER } });
  await b2.event('live.signal');
  const again = await b2.ok('live.join', { room: a.room });
  assert.deepEqual(
    (again['participants'] as Json[]).map((p) => p['id']),
    [a.w['sessionId']],
  );
  b2.close();
  const gone = await a.c.event('live.left', () => true, 3_000);
  assert.equal(gone['reason'], 'timeout');
  a.c.close();
});
