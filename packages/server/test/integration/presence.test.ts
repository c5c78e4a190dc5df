import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

const GRACE_MS = 400;
const IDLE_MS = 300;
const DEVICE_TIMEOUT_MS = 500;

let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    sessionGraceMs: GRACE_MS,
    presenceIdleMs: IDLE_MS,
    presenceCoalesceMs: 30,
    presenceDeviceTimeoutMs: DEVICE_TIMEOUT_MS,
  });
});
after(async () => {
  await srv.close();
});

interface Person {
  c: RawClient;
  id: string;
  /** The session token of this session (resumes it). */
  token: string;
}

interface Account {
  id: string;
  name: string;
  /** An account token: each hello with it starts a new session (a new device). */
  token: string;
}

let serial = 0;

async function guest(name: string): Promise<Person> {
  const c = await RawClient.ws(srv.wsUrl);
  const w = await c.hello(name);
  return { c, id: w['userId'] as string, token: w['token'] as string };
}

async function register(name: string): Promise<Account> {
  const username = `${name.toLowerCase()}${++serial}${Math.random().toString(36).slice(2, 6)}`;
  const res = await fetch(`${srv.httpUrl}/api/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: 'correct horse battery', name }),
  });
  const body = (await res.json()) as Json;
  assert.equal(res.status, 201, JSON.stringify(body));
  return { id: body['userId'] as string, name, token: body['token'] as string };
}

/** A new session (device) of an account. */
async function device(account: Account): Promise<Person> {
  const c = await RawClient.ws(srv.wsUrl);
  const w = await c.hello(account.name, { token: account.token });
  assert.equal(w['userId'], account.id);
  return { c, id: account.id, token: w['token'] as string };
}

async function roomOf(p: Person, name?: string): Promise<string> {
  const result = await p.c.ok('room.create', name === undefined ? {} : { name });
  return (result['room'] as Json)['id'] as string;
}

/** Every presence entry about `userId` that `c` received and nobody consumed, oldest first. */
function entries(c: RawClient, userId: string): Json[] {
  return c.received
    .filter((m) => m['type'] === 'presence')
    .flatMap((m) => (m['users'] as Json[]).filter((u) => u['user'] === userId));
}

/** The latest presence entry about `userId` received by `c`. */
function latest(c: RawClient, userId: string): Json | undefined {
  return entries(c, userId).at(-1);
}

async function until(what: string, cond: () => boolean, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Wait until `c`'s latest news about `userId` matches `expected` (a subset of the entry). */
async function sees(c: RawClient, userId: string, expected: Json, timeoutMs?: number): Promise<Json> {
  const matches = (e: Json | undefined): e is Json =>
    e !== undefined && Object.entries(expected).every(([k, v]) => e[k] === v);
  await until(
    `seeing ${userId} as ${JSON.stringify(expected)} (latest: ${JSON.stringify(latest(c, userId))})`,
    () => matches(latest(c, userId)),
    timeoutMs,
  );
  return latest(c, userId) as Json;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Long enough for any pending change to have been flushed (window 30 ms, at most 4×). */
const quiet = () => sleep(250);

async function subscribe(p: Person): Promise<Json[]> {
  return (await p.c.ok('presence.subscribe'))['presence'] as Json[];
}

test('a co-member sees states and status text; the snapshot comes first, then deltas', async () => {
  const a = await guest('Ann');
  const b = await guest('Bob');
  const room = await roomOf(a);
  await b.c.ok('room.join', { room });
  const snapshot = await subscribe(a);
  const bob = snapshot.find((u) => u['user'] === b.id);
  assert.ok(bob, 'the snapshot lists the co-member');
  assert.equal(bob['state'], 'online');
  assert.equal(bob['status'], null);
  assert.equal(bob['mobile'], false);
  assert.equal(typeof bob['lastActive'], 'number');
  assert.equal((bob['lastActive'] as number) % 60_000, 0, 'rounded down to the minute');
  assert.equal(snapshot.find((u) => u['user'] === a.id)?.['state'], 'online', 'and oneself');

  const set = await b.c.ok('presence.set', { state: 'busy', status: 'in a meeting' });
  assert.deepEqual(
    { ...(set['presence'] as Json), lastActive: 0 },
    { user: b.id, state: 'busy', status: 'in a meeting', mobile: false, lastActive: 0 },
  );
  await sees(a.c, b.id, { state: 'busy', status: 'in a meeting' });
  await b.c.ok('presence.set', { state: 'chatty', status: null });
  await sees(a.c, b.id, { state: 'chatty', status: null });
  await b.c.ok('presence.unsubscribe');
  a.c.close();
  b.c.close();
});

test('two devices: the most available wins, status is per user, all idle → away, mobile flag', async () => {
  const a = await guest('Ann');
  const room = await roomOf(a);
  await subscribe(a);
  const bob = await register('Bob');
  const b1 = await device(bob);
  const b2 = await device(bob);
  await b1.c.ok('room.join', { room });
  await b2.c.ok('room.join', { room });
  await sees(a.c, bob.id, { state: 'online' });

  await b1.c.ok('presence.set', { state: 'chatty' });
  await b2.c.ok('presence.set', { state: 'busy' });
  await sees(a.c, bob.id, { state: 'chatty' });
  await b1.c.ok('presence.set', { state: 'away' });
  await sees(a.c, bob.id, { state: 'busy' });

  // Status text belongs to the user: the latest set wins, whichever device set it.
  await b1.c.ok('presence.set', { status: 'from the laptop' });
  await b2.c.ok('presence.set', { status: 'from the phone' });
  await sees(a.c, bob.id, { status: 'from the phone' });

  // Both devices report idle: once past presenceIdleMs the user is away, and back when one is used.
  await b1.c.ok('presence.set', { state: 'chatty', idleSince: Date.now() });
  await b2.c.ok('presence.set', { idleSince: Date.now() });
  await sees(a.c, bob.id, { state: 'chatty' });
  const idleAt = Date.now();
  await sees(a.c, bob.id, { state: 'away' });
  assert.ok(Date.now() - idleAt >= IDLE_MS - 60, 'not before the idle threshold');
  await b2.c.ok('presence.set', { idleSince: null });
  await sees(a.c, bob.id, { state: 'busy' });

  // Mobile: every active device is mobile (the idle one does not count).
  await b1.c.ok('presence.set', { device: 'mobile' });
  await quiet();
  assert.equal(latest(a.c, bob.id)?.['mobile'], false, 'the phone is idle, the desktop is in use');
  await b2.c.ok('presence.set', { device: 'mobile' });
  await sees(a.c, bob.id, { mobile: true });
  await b1.c.ok('presence.set', { idleSince: null });
  await b2.c.ok('presence.set', { device: 'desktop' });
  await sees(a.c, bob.id, { mobile: false });
  for (const p of [a, b1, b2]) p.c.close();
});

test('hidden looks offline to others while the user keeps full use', async () => {
  const a = await guest('Ann');
  const b = await guest('Bob');
  const room = await roomOf(a);
  await b.c.ok('room.join', { room });
  await subscribe(a);
  await subscribe(b);
  await b.c.ok('presence.set', { state: 'chatty', status: 'around' });
  await sees(a.c, b.id, { state: 'chatty' });

  const reply = await b.c.ok('presence.set', { hidden: true });
  assert.equal((reply['presence'] as Json)['state'], 'chatty', 'the user sees the truth');
  const seen = await sees(a.c, b.id, { state: 'offline' });
  assert.equal(seen['status'], null);
  assert.equal(seen['mobile'], false);

  // Full use: chatting, changing state, the own snapshot and own deltas show the real state.
  await b.c.ok('chat.send', { room, text: 'still here' });
  await a.c.event('message', (m) => m['text'] === 'still here');
  await b.c.ok('presence.set', { state: 'busy' });
  await sees(b.c, b.id, { state: 'busy', status: 'around' });
  const own = await subscribe(b);
  assert.equal(own.find((u) => u['user'] === b.id)?.['state'], 'busy');
  const fromA = (await subscribe(a)).find((u) => u['user'] === b.id);
  assert.equal(fromA?.['state'], 'offline', "another's snapshot says offline too");
  await quiet();
  assert.equal(latest(a.c, b.id)?.['state'], 'offline', 'changes while hidden do not leak');

  await b.c.ok('presence.set', { hidden: false });
  await sees(a.c, b.id, { state: 'busy', status: 'around' });
  a.c.close();
  b.c.close();
});

test('no flicker: disconnects and device switches within the grace period never show offline', async () => {
  const a = await guest('Ann');
  const room = await roomOf(a, 'Flicker test');
  await subscribe(a);
  const bob = await register('Bob');
  let current = await device(bob);
  await current.c.ok('room.join', { room });
  await sees(a.c, bob.id, { state: 'online' });

  // A dropped connection that resumes within the grace period.
  current.c.close();
  await sleep(GRACE_MS / 3);
  const resumed = await RawClient.ws(srv.wsUrl);
  const welcome = await resumed.hello('Bob', { token: current.token });
  assert.equal(welcome['resumed'], true);
  current = { c: resumed, id: bob.id, token: welcome['token'] as string };

  // Switching between devices, back and forth, each old session expiring behind the new one.
  for (let i = 0; i < 4; i++) {
    const next = await device(bob);
    await next.c.ok('room.join', { room });
    current.c.close();
    current = next;
    await sleep(GRACE_MS / 2);
  }
  await sleep(GRACE_MS);
  const states = () => entries(a.c, bob.id).map((e) => e['state']);
  assert.ok(!states().includes('offline'), `no offline while a device is there: ${states().join(',')}`);
  assert.ok(!states().includes('unknown'));

  // The last device goes: offline only once its grace period is over.
  const closedAt = Date.now();
  current.c.close();
  await sees(a.c, bob.id, { state: 'offline' }, GRACE_MS * 5);
  assert.ok(Date.now() - closedAt >= GRACE_MS, 'not before the grace period');
  assert.deepEqual(
    states().filter((s) => s === 'offline'),
    ['offline'],
  );
  assert.equal(typeof latest(a.c, bob.id)?.['lastActive'], 'number', 'last seen');
  a.c.close();
});

test('visibility: strangers learn nothing, former co-members nothing after leaving', async () => {
  const b = await guest('Bob');
  const s = await guest('Sam');
  const t = await guest('Tim');
  const ephemeral = await roomOf(b);
  const named = await roomOf(b, 'Visibility test');
  await s.c.ok('room.join', { room: ephemeral });
  await s.c.ok('room.join', { room: named });
  await roomOf(t); // a room of his own, with nobody in it
  const fromS = await subscribe(s);
  const fromT = await subscribe(t);
  assert.ok(fromS.some((u) => u['user'] === b.id));
  assert.deepEqual(
    fromT.map((u) => u['user']),
    [t.id],
    'a stranger sees only himself',
  );

  await b.c.ok('presence.set', { state: 'busy', status: 'secret plans' });
  await sees(s.c, b.id, { state: 'busy' });
  await quiet();
  await t.c.ok('ping');
  assert.deepEqual(entries(t.c, b.id), [], 'the stranger got nothing about Bob');

  // Sam leaves one shared room: still a co-member through the other, still sees Bob.
  await s.c.ok('room.leave', { room: ephemeral });
  await b.c.ok('presence.set', { state: 'online' });
  await sees(s.c, b.id, { state: 'online' });
  // Leaving the last shared room (a named one: the stored membership ends) ends it: Sam is
  // told to forget Bob, and then hears nothing more, nor sees him in a new snapshot.
  await s.c.ok('room.leave', { room: named });
  await sees(s.c, b.id, { state: 'unknown', status: null, lastActive: null });
  const told = entries(s.c, b.id).length;
  await b.c.ok('presence.set', { state: 'chatty', status: 'more secrets' });
  await quiet();
  await s.c.ok('ping');
  assert.equal(entries(s.c, b.id).length, told, 'nothing after leaving');
  assert.ok(!(await subscribe(s)).some((u) => u['user'] === b.id));
  assert.deepEqual(entries(t.c, b.id), [], 'the stranger still got nothing');
  for (const p of [b, s, t]) p.c.close();
});

test('contacts see each other without a shared room, and stop when the contact ends', async () => {
  const xAccount = await register('Xena');
  const yAccount = await register('Yuri');
  const x = await device(xAccount);
  const y = await device(yAccount);
  assert.ok(!(await subscribe(x)).some((u) => u['user'] === y.id));
  await subscribe(y);
  await x.c.ok('contacts.request', { user: y.id });
  await y.c.ok('contacts.accept', { user: x.id });
  await sees(x.c, y.id, { state: 'online' });
  await sees(y.c, x.id, { state: 'online' });
  assert.ok((await subscribe(x)).some((u) => u['user'] === y.id));
  await y.c.ok('presence.set', { state: 'busy' });
  await sees(x.c, y.id, { state: 'busy' });

  await x.c.ok('contacts.remove', { user: y.id });
  await sees(x.c, y.id, { state: 'unknown' });
  await sees(y.c, x.id, { state: 'unknown' });
  const told = entries(x.c, y.id).length;
  await y.c.ok('presence.set', { state: 'chatty' });
  await quiet();
  await x.c.ok('ping');
  assert.equal(entries(x.c, y.id).length, told);
  x.c.close();
  y.c.close();
});

test('a socketless device reports over HTTP and counts as offline once silent', async () => {
  const guestTry = await guest('Gus');
  const refused = await guestTry.c.request('presence.deviceToken', { name: 'Desk phone' });
  assert.equal(refused['code'], 'FORBIDDEN', 'guests get no device tokens');
  guestTry.c.close();

  const a = await guest('Ann');
  const room = await roomOf(a, 'Socketless test');
  await subscribe(a);
  const ursula = await register('Ursula');
  const u = await device(ursula);
  await u.c.ok('room.join', { room });
  const { token } = (await u.c.ok('presence.deviceToken', { name: 'Desk phone', device: 'desktop' })) as {
    token: string;
  };
  assert.match(token, /^pdt_[A-Za-z0-9_-]{43}$/);
  u.c.close();
  await sees(a.c, ursula.id, { state: 'offline' }, GRACE_MS * 5);

  const post = (body: unknown, auth = `Bearer ${token}`) =>
    fetch(`${srv.httpUrl}/api/presence`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: JSON.stringify(body),
    });
  const res = await post({ state: 'busy', status: 'on the desk phone' });
  assert.equal(res.status, 200);
  const body = (await res.json()) as Json;
  assert.equal((body['presence'] as Json)['state'], 'busy');
  const reportedAt = Date.now();
  await sees(a.c, ursula.id, { state: 'busy', status: 'on the desk phone', mobile: false });

  // Silent past presenceDeviceTimeoutMs: gone.
  await sees(a.c, ursula.id, { state: 'offline', status: null }, DEVICE_TIMEOUT_MS * 6);
  assert.ok(Date.now() - reportedAt >= DEVICE_TIMEOUT_MS, 'not before the timeout');

  // Reporting again brings it back; `offline` signs it off at once.
  assert.equal((await post({ state: 'chatty' })).status, 200);
  await sees(a.c, ursula.id, { state: 'chatty', status: 'on the desk phone' });
  assert.equal((await post({ state: 'offline' })).status, 200);
  await sees(a.c, ursula.id, { state: 'offline' });

  // Refusals: unknown or missing token, and a body that is not a report.
  const forged = await post({ state: 'online' }, `Bearer pdt_${'A'.repeat(43)}`);
  assert.equal(forged.status, 401);
  assert.equal(((await forged.json()) as Json)['code'], 'UNAUTHORIZED');
  assert.equal((await post({ state: 'online' }, '')).status, 401);
  const bad = await post({ state: 'asleep' });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as Json)['code'], 'INVALID_MESSAGE');
  a.c.close();
});
