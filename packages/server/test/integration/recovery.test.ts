import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

const FAST = { rateLimitPerSecond: 5_000, rateLimitBurst: 5_000 };
let srv: TestServer;
before(async () => {
  srv = await startTestServer({ ...FAST, sessionGraceMs: 5_000 });
});
after(async () => {
  await srv.close();
});

const roomOf = (r: Json): { id: string; epoch: string; seq: number } => {
  const info = r['room'] as Json;
  return { id: info['id'] as string, epoch: info['epoch'] as string, seq: info['seq'] as number };
};

/** Collect the room events a client receives (sequenced ones only) after its welcome. */
function roomEvents(c: RawClient, room: string): Json[] {
  return c.received.filter(
    (m) => m['room'] === room && typeof m['seq'] === 'number' && m['id'] === undefined,
  );
}

async function settle(ms = 100): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Poll until `cond` holds; a fixed sleep would make the assertions after it pass vacuously. */
async function until(cond: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await settle(10);
  }
}

/** Wait until `c` has received a room message with `text` (without consuming it). */
function seen(c: RawClient, text: string): Promise<void> {
  return until(() => c.received.some((m) => m['type'] === 'message' && m['text'] === text), `"${text}"`);
}

test('a quick reconnect (WebSocket → TCP) resumes the session and replays exactly what was missed', async () => {
  const a = await RawClient.ws(srv.wsUrl);
  const welcome = await a.hello('Ann');
  const bob = await RawClient.ws(srv.wsUrl);
  await bob.hello('Bob');
  const room = roomOf(await a.ok('room.create'));
  await bob.ok('room.join', { room: room.id });
  await a.ok('chat.send', { room: room.id, text: 'before the drop' });
  await seen(a, 'before the drop');
  const lastSeen = Math.max(...roomEvents(a, room.id).map((e) => e['seq'] as number));
  a.close();
  for (let i = 0; i < 10; i++) await bob.ok('chat.send', { room: room.id, text: `missed ${i}` });

  const a2 = await RawClient.tcp(srv.tcp.port);
  const resumed = await a2.hello('Ann', {
    token: welcome['token'],
    rooms: [{ room: room.id, epoch: room.epoch, seq: lastSeen }],
  });
  assert.equal(resumed['resumed'], true);
  assert.equal(resumed['userId'], welcome['userId']);
  assert.equal(resumed['sessionId'], welcome['sessionId']);
  assert.deepEqual(resumed['rooms'], [
    { room: room.id, recovered: true, epoch: room.epoch, seq: lastSeen + 10 },
  ]);
  // Messages sent right after the resume arrive after the replay, once.
  await bob.ok('chat.send', { room: room.id, text: 'live after resume' });
  await seen(a2, 'live after resume');
  const texts = roomEvents(a2, room.id).map((e) => e['text']);
  assert.deepEqual(texts, [...Array.from({ length: 10 }, (_, i) => `missed ${i}`), 'live after resume']);
  // Bob saw no leave/join noise: it would be sequenced before his last message, which he has.
  await seen(bob, 'live after resume');
  assert.equal(
    bob.received.filter((m) => m['type'] === 'member.left' || m['type'] === 'member.joined').length,
    0,
  );
  a2.close();
  bob.close();
});

test('resuming while messages keep flowing loses nothing and duplicates nothing', async () => {
  const a = await RawClient.tcp(srv.tcp.port);
  const welcome = await a.hello('Ann');
  const bob = await RawClient.ws(srv.wsUrl);
  await bob.hello('Bob');
  const room = roomOf(await a.ok('room.create'));
  await bob.ok('room.join', { room: room.id });
  let sending = true;
  let sent = 0;
  const sender = (async () => {
    while (sending) {
      await bob.ok('chat.send', { room: room.id, text: `m${sent}` });
      sent++;
    }
  })();
  await settle(30);
  // Drop and reconnect three times while Bob keeps sending.
  let client = a;
  let token = welcome['token'];
  const got: Json[] = [];
  for (let round = 0; round < 3; round++) {
    const mine = roomEvents(client, room.id);
    got.push(...mine);
    const seq = Math.max(room.seq, ...got.map((e) => e['seq'] as number));
    client.close();
    await settle(20);
    client = round % 2 === 0 ? await RawClient.ws(srv.wsUrl) : await RawClient.tcp(srv.tcp.port);
    const w = await client.hello('Ann', { token, rooms: [{ room: room.id, epoch: room.epoch, seq }] });
    assert.equal((w['rooms'] as Json[])[0]!['recovered'], true);
    token = w['token'];
    await settle(30);
  }
  sending = false;
  await sender;
  await seen(client, `m${sent - 1}`);
  got.push(...roomEvents(client, room.id));
  const messages = got.filter((e) => e['type'] === 'message').map((e) => e['text']);
  assert.deepEqual(
    messages,
    Array.from({ length: sent }, (_, i) => `m${i}`),
  );
  const seqs = got.map((e) => e['seq'] as number);
  assert.deepEqual(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i),
    'consecutive, no gaps, no repeats',
  );
  client.close();
  bob.close();
});

test('after the session expired, the token still gives the same user and the room is recovered', async () => {
  const quick = await startTestServer({ ...FAST, sessionGraceMs: 50 });
  try {
    const a = await RawClient.ws(quick.wsUrl);
    const welcome = await a.hello('Ann');
    const bob = await RawClient.ws(quick.wsUrl);
    await bob.hello('Bob');
    const room = roomOf(await bob.ok('room.create'));
    await a.ok('room.join', { room: room.id });
    const seq = Math.max(...roomEvents(a, room.id).map((e) => e['seq'] as number), 0);
    a.close();
    await bob.event('member.left', (m) => m['reason'] === 'timeout');
    await bob.ok('chat.send', { room: room.id, text: 'while you were away' });
    const a2 = await RawClient.tcp(quick.tcp.port);
    const w = await a2.hello('Ann', {
      token: welcome['token'],
      rooms: [{ room: room.id, epoch: room.epoch, seq }],
    });
    assert.equal(w['resumed'], false);
    assert.equal(w['userId'], welcome['userId']);
    assert.notEqual(w['sessionId'], welcome['sessionId']);
    assert.equal((w['rooms'] as Json[])[0]!['recovered'], true);
    // Ann's own join comes last in the log: anything unexpected would be before it.
    await until(() => roomEvents(a2, room.id).length >= 5, 'the replay and the rejoin');
    const types = roomEvents(a2, room.id).map(
      (e) => `${e['type']}:${e['text'] ?? (e['user'] as Json)['name']}`,
    );
    assert.deepEqual(types, [
      'member.joined:Bob',
      'member.joined:Ann',
      'member.left:Ann',
      'message:while you were away',
      'member.joined:Ann',
    ]);
    a2.close();
    bob.close();
  } finally {
    await quick.close();
  }
});

test('a forged or expired token gets UNAUTHORIZED and a fresh session', async () => {
  const a = await RawClient.ws(srv.wsUrl);
  const welcome = await a.hello('Ann');
  const token = String(welcome['token']);
  const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
  const b = await RawClient.tcp(srv.tcp.port);
  const w = await b.hello('Mallory', {
    token: forged,
    rooms: [{ room: 'abcdefabcdef', epoch: 'e', seq: 3 }],
  });
  assert.equal((w['resumeError'] as Json)['code'], 'UNAUTHORIZED');
  assert.equal(w['resumed'], false);
  assert.notEqual(w['userId'], welcome['userId']);
  assert.equal(w['name'], 'Mallory');
  assert.deepEqual(w['rooms'], [
    { room: 'abcdefabcdef', recovered: false, epoch: null, seq: 0, code: 'UNAUTHORIZED' },
  ]);
  const garbage = await RawClient.tcp(srv.tcp.port);
  const g = await garbage.hello('X', { token: 'not-a-jwt' });
  assert.equal((g['resumeError'] as Json)['code'], 'UNAUTHORIZED');
  for (const c of [a, b, garbage]) c.close();
});

test('a stale epoch or a position beyond the log is refused (recovered: false), the client then reloads', async () => {
  const a = await RawClient.ws(srv.wsUrl);
  const welcome = await a.hello('Ann');
  const room = roomOf(await a.ok('room.create'));
  a.close();
  const a2 = await RawClient.ws(srv.wsUrl);
  const w = await a2.hello('Ann', {
    token: welcome['token'],
    rooms: [{ room: room.id, epoch: 'some-old-epoch', seq: 1 }],
  });
  const r = (w['rooms'] as Json[])[0]!;
  assert.equal(r['recovered'], false);
  assert.equal(r['epoch'], room.epoch, 'the current epoch is given so the client can reload');
  // Reloading is a plain, idempotent join.
  const again = await a2.ok('room.join', { room: room.id });
  assert.equal(roomOf(again).epoch, room.epoch);
  a2.close();
});

test('a refused recovery leaves no member behind (position beyond the log)', async () => {
  const owner = await RawClient.ws(srv.wsUrl);
  await owner.hello('Owner');
  const room = roomOf(await owner.ok('room.create'));
  const stranger = await RawClient.tcp(srv.tcp.port);
  const first = await stranger.hello('Ghost');
  stranger.close();
  const again = await RawClient.tcp(srv.tcp.port);
  const w = await again.hello('Ghost', {
    token: first['token'],
    rooms: [{ room: room.id, epoch: room.epoch, seq: 99_999 }],
  });
  assert.equal((w['rooms'] as Json[])[0]!['recovered'], false);
  // A join by the refused recovery would be sequenced before this message in the room's log.
  await owner.ok('chat.send', { room: room.id, text: 'anyone?' });
  await seen(owner, 'anyone?');
  assert.equal(owner.received.filter((m) => m['type'] === 'member.joined').length, 0);
  const snapshot = await owner.ok('room.join', { room: room.id });
  assert.deepEqual(
    (snapshot['members'] as Json[]).map((m) => m['name']),
    ['Owner'],
  );
  const send = await again.request('chat.send', { room: room.id, text: 'boo' });
  assert.equal(send['code'], 'NOT_IN_ROOM');
  owner.close();
  again.close();
});

test('an ephemeral room whose window no longer reaches the position is not recovered', async () => {
  const small = await startTestServer({ ...FAST, recentWindow: 5, sessionGraceMs: 5_000 });
  try {
    const a = await RawClient.ws(small.wsUrl);
    const welcome = await a.hello('Ann');
    const bob = await RawClient.ws(small.wsUrl);
    await bob.hello('Bob');
    const room = roomOf(await a.ok('room.create'));
    await bob.ok('room.join', { room: room.id });
    a.close();
    for (let i = 0; i < 10; i++) await bob.ok('chat.send', { room: room.id, text: `x${i}` });
    const a2 = await RawClient.ws(small.wsUrl);
    const w = await a2.hello('Ann', {
      token: welcome['token'],
      rooms: [{ room: room.id, epoch: room.epoch, seq: 2 }],
    });
    assert.equal((w['rooms'] as Json[])[0]!['recovered'], false);
    a2.close();
    bob.close();
  } finally {
    await small.close();
  }
});

test('after a server restart, a named room is recovered from the store', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'presence-restart-'));
  try {
    let s = await startTestServer({ ...FAST, dataDir });
    const a = await RawClient.ws(s.wsUrl);
    const welcome = await a.hello('Ann');
    const room = roomOf(await a.ok('room.create', { name: 'Survives' }));
    await a.ok('chat.send', { room: room.id, text: 'first' });
    const seq = (await a.ok('chat.send', { room: room.id, text: 'second' }))['seq'] as number;
    await s.close();
    assert.ok(a.closed || (await a.waitClosed().then(() => true)));
    s = await startTestServer({ ...FAST, dataDir });
    const bob = await RawClient.tcp(s.tcp.port);
    await bob.hello('Bob');
    await bob.ok('room.join', { room: room.id });
    await bob.ok('chat.send', { room: room.id, text: 'after the restart' });
    const a2 = await RawClient.ws(s.wsUrl);
    const w = await a2.hello('Ann', {
      token: welcome['token'],
      rooms: [{ room: room.id, epoch: room.epoch, seq }],
    });
    assert.equal(w['userId'], welcome['userId']);
    assert.equal((w['rooms'] as Json[])[0]!['recovered'], true);
    await until(() => roomEvents(a2, room.id).length >= 2, 'the replay');
    assert.deepEqual(
      roomEvents(a2, room.id).map((e) => e['type']),
      ['member.joined', 'message'],
    );
    assert.equal(roomEvents(a2, room.id)[1]!['text'], 'after the restart');
    a2.close();
    bob.close();
    await s.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
