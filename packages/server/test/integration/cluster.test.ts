// test-needs: postgres redis
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { createTestSchema } from '../../../../test/postgres.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';
import { REDIS_URL, spawnClusterNode } from '../../../../test/cluster-node.js';
import type { ServerProcess } from '../../../../test/server-process.js';

/**
 * Three real server processes sharing the machine's Redis (a key prefix of their own) and
 * PostgreSQL (a schema of their own): a room spans nodes, calls signal across them, and the
 * cluster survives a node being SIGKILLed and its Redis connections being cut.
 */
const RUN = randomBytes(3).toString('hex');
const PREFIX = `presence-cl-${RUN}:`;
const GRACE_MS = 2_000;

let schema: Awaited<ReturnType<typeof createTestSchema>>;
let redis: Redis;
const dirs: string[] = [];
const nodes: ServerProcess[] = [];
const secret = randomBytes(32).toString('hex');

function startNode(i: number): Promise<ServerProcess> {
  return spawnClusterNode({
    schema: schema.schema,
    prefix: PREFIX,
    secret,
    nodeId: `cl${RUN}n${i}`,
    dirs,
    extra: [
      '--cluster-heartbeat-ms',
      '200',
      '--cluster-dead-after-ms',
      '1000',
      '--session-grace-ms',
      String(GRACE_MS),
    ],
  });
}

before(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis is required at ${REDIS_URL} (${(err as Error).message})`);
  }
  schema = await createTestSchema('presence_cl');
  // Sequentially: the first one runs the migrations, the others find them done.
  for (let i = 0; i < 3; i++) nodes.push(await startNode(i));
});

after(async () => {
  for (const n of nodes) n.child.kill('SIGKILL');
  await Promise.all(nodes.map((n) => n.exited));
  await schema.drop();
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The state a `presence` event gives `userId`, if it mentions them. */
function stateOf(event: Json, userId: string): string | undefined {
  const entry = (event['users'] as Json[] | undefined)?.find((u) => u['user'] === userId);
  return entry?.['state'] as string | undefined;
}

const roomOf = (r: Json): { id: string; epoch: string } => r['room'] as { id: string; epoch: string };

/** Wait until `cond` holds, failing with `what` after `ms`. */
async function until(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Retry `fn` until it stops throwing (a node is taking over, Redis reconnecting), at most `ms`. */
async function eventually<T>(fn: () => Promise<T>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

// Issue 11, item 1 across nodes: the HTTP upgrade lands on one node, the guest's socket and its
// room live on others; every node must move what it holds.
test("a guest registering through another node: its session there ends and its room becomes the account's", async () => {
  const [n0, n1, n2] = nodes as [ServerProcess, ServerProcess, ServerProcess];
  const guest = await RawClient.ws(`ws://127.0.0.1:${n0.httpPort}/ws`);
  const welcome = await guest.hello('Gail');
  const guestId = welcome['userId'] as string;
  const room = roomOf(await guest.ok('room.create', { name: `upgrade ${RUN}` }));
  await guest.ok('presence.set', { status: 'in the cluster' });
  const bob = await RawClient.ws(`ws://127.0.0.1:${n1.httpPort}/ws`);
  await bob.hello('Bob');
  await bob.ok('room.join', { room: room.id });

  const res = await fetch(`http://127.0.0.1:${n2.httpPort}/api/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${String(welcome['token'])}` },
    body: JSON.stringify({ username: `gail${RUN}`, password: 'correct horse', name: 'Gail' }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const account = (await res.json()) as Json;
  const accountId = account['userId'] as string;
  // The guest's socket on node 0 is told its session is over (SESSION_REPLACED, not resumable).
  await guest.waitClosed();
  assert.equal(guest.closeCode, 4409);
  // The room, homed on node 0, moved its owner to the account: Bob (node 1) sees it.
  await bob.event('member.left', (m) => (m['user'] as Json)['id'] === guestId, 10_000);
  const joined = await bob.event('member.joined', (m) => (m['user'] as Json)['id'] === accountId, 10_000);
  assert.equal((joined['user'] as Json)['role'], 'owner');
  // The account, connecting to node 1, owns the room and kept the status text.
  const again = await RawClient.ws(`ws://127.0.0.1:${n1.httpPort}/ws`);
  await again.hello('Gail', { token: account['token'] });
  assert.equal((await again.ok('room.join', { room: room.id }))['role'], 'owner');
  await again.ok('room.update', { room: room.id, name: 'Renamed in the cluster' });
  const own = (await again.ok('presence.set', {}))['presence'] as Json;
  assert.equal(own['status'], 'in the cluster');
  again.close();
  bob.close();
});

test('a room spans three nodes: chat, a call signalled across nodes, a node killed, Redis cut', async () => {
  const [n0, n1, n2] = nodes as [ServerProcess, ServerProcess, ServerProcess];
  const ann = await RawClient.ws(`ws://127.0.0.1:${n0.httpPort}/ws`);
  const annWelcome = await ann.hello('Ann');
  const bob = await RawClient.tcp(n1.tcpPort);
  const bobWelcome = await bob.hello('Bob');
  const cat = await RawClient.ws(`ws://127.0.0.1:${n2.httpPort}/ws`);
  await cat.hello('Cat');

  // Ann's node creates the room and is its home; Bob and Cat join through their own nodes.
  const created = await ann.ok('room.create', { name: `cluster ${RUN}`, visibility: 'public' });
  const room = roomOf(created);
  const bobJoin = await bob.ok('room.join', { room: room.id });
  assert.equal(roomOf(bobJoin).epoch, room.epoch);
  await cat.ok('room.join', { room: room.id });
  // A link preview works on any node, whichever serves the room.
  for (const n of [n1, n2]) {
    const res = await fetch(`http://127.0.0.1:${n.httpPort}/api/rooms/${room.id}`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { room: { memberCount: number } }).room.memberCount, 3);
  }
  await ann.event('member.joined', (m) => (m['user'] as Json)['name'] === 'Cat', 10_000);

  // Chat: everyone sees everyone's messages, in one order.
  await ann.ok('chat.send', { room: room.id, text: 'from node 0' });
  await bob.ok('chat.send', { room: room.id, text: 'from node 1' });
  await cat.ok('chat.send', { room: room.id, text: 'from node 2' });
  for (const c of [ann, bob, cat]) {
    const texts: string[] = [];
    for (let i = 0; i < 3; i++) texts.push((await c.event('message', () => true, 10_000))['text'] as string);
    assert.deepEqual(texts, ['from node 0', 'from node 1', 'from node 2']);
  }

  // Presence: co-members on three nodes see each other, and a change on one node reaches the others.
  for (const c of [ann, bob, cat]) await c.ok('presence.subscribe');
  await bob.ok('presence.set', { state: 'busy', status: 'on node 1' });
  for (const c of [ann, cat]) {
    await c.next(
      (m) => m['type'] === 'presence' && stateOf(m, bobWelcome['userId'] as string) === 'busy',
      5_000,
    );
  }

  // A call: Bob (node 1) offers to Ann (node 0); the answer comes back across the nodes.
  await ann.ok('live.join', { room: room.id, media: { audio: true } });
  await bob.ok('live.join', { room: room.id, media: { audio: true } });
  await bob.ok('live.signal', {
    room: room.id,
    to: annWelcome['sessionId'],
    signal: { kind: 'offer', sdp: 'v=0\r\n' },
  });
  const offer = await ann.event('live.signal', () => true, 10_000);
  assert.equal((offer['signal'] as Json)['kind'], 'offer');
  assert.equal(offer['from'], bobWelcome['sessionId']);
  await ann.ok('live.signal', {
    room: room.id,
    to: bobWelcome['sessionId'],
    signal: { kind: 'answer', sdp: 'v=0\r\n' },
  });
  assert.equal(((await bob.event('live.signal', () => true, 10_000))['signal'] as Json)['kind'], 'answer');

  // Node 0 (the room's home, and Ann's node) is killed while Bob keeps sending.
  const acked: number[] = [];
  let sending = true;
  const sender = (async () => {
    for (let i = 0; sending && i < 2_000; i++) {
      // A request in flight when its room's home dies waits for the takeover (seconds): no 3 s limit.
      bob.send({ type: 'chat.send', id: 10_000 + i, room: room.id, text: `load ${i}`, nonce: `n${i}` });
      const r = await bob.next((m) => m['id'] === 10_000 + i, 20_000);
      if (r['type'] === 'ok') acked.push(Number((r['result'] as Json)['seq']));
      else await new Promise((res) => setTimeout(res, 100));
    }
  })();
  // Kill only once sends are flowing, however loaded the machine is.
  await until(() => acked.length >= 3, 10_000, 'acknowledgements before the kill');
  const lastSeenByAnn = ann.received.filter((m) => m['type'] === 'message').map((m) => Number(m['seq']));
  n0.child.kill('SIGKILL');
  await n0.exited;
  const ackedBeforeKill = acked.length;
  // Sends go on being acknowledged: another node took the room over.
  await until(() => acked.length >= ackedBeforeKill + 3, 20_000, 'acknowledgements after the kill');
  sending = false;
  await sender;

  // Ann reconnects to node 2 with her token and her position: recovered, every missed event once.
  const position = Math.max(3, ...lastSeenByAnn);
  // Each attempt on a connection of its own: a hello cannot be repeated on one connection.
  let ann2 = await RawClient.ws(`ws://127.0.0.1:${n2.httpPort}/ws`);
  const w = await eventually(async () => {
    try {
      const reply = await ann2.hello('Ann', {
        token: annWelcome['token'],
        rooms: [{ room: room.id, epoch: room.epoch, seq: position }],
      });
      const rec = (reply['rooms'] as Json[])[0]!;
      if (rec['recovered'] !== true) throw new Error(`not recovered: ${JSON.stringify(rec)}`);
      return reply;
    } catch (err) {
      ann2.close();
      ann2 = await RawClient.ws(`ws://127.0.0.1:${n2.httpPort}/ws`);
      throw err;
    }
  });
  assert.equal(w['userId'], annWelcome['userId'], 'same user after the node died');
  // The replay: every event after Ann's position, once, in order.
  const upTo = Number((w['rooms'] as Json[])[0]!['seq']);
  const replayed: number[] = [];
  while (replayed.length < upTo - position) {
    replayed.push(
      Number((await ann2.next((m) => typeof m['seq'] === 'number' && m['id'] === undefined, 10_000))['seq']),
    );
  }
  assert.deepEqual(
    replayed,
    Array.from({ length: upTo - position }, (_, i) => position + 1 + i),
  );
  // Every acknowledged message is in the room's history, exactly once.
  // All of it, page by page (a page holds at most historyPageMax events).
  const events: Json[] = [];
  for (let after = 0; ;) {
    const page = await eventually(() => ann2.ok('room.history', { room: room.id, after, limit: 100 }));
    const got = page['events'] as Json[];
    events.push(...got);
    if (page['more'] !== true || got.length === 0) break;
    after = Number(got.at(-1)!['seq']);
  }
  const seqs = events.filter((e) => e['type'] === 'message').map((e) => Number(e['seq']));
  for (const s of acked) assert.ok(seqs.includes(s), `acknowledged seq ${s} survives`);
  assert.equal(new Set(seqs).size, seqs.length, 'no duplicates');

  // Ann's presence stays online for the others throughout (her old device ends after the grace
  // period, but her new one on node 2 is there): no offline flap.
  await new Promise((r) => setTimeout(r, GRACE_MS + 1_500));
  for (const c of [bob, cat]) {
    const seen = c.received
      .filter((m) => m['type'] === 'presence')
      .map((m) => stateOf(m, annWelcome['userId'] as string))
      .filter((x) => x !== undefined);
    assert.ok(!seen.includes('offline'), `no offline flap for Ann: ${seen.join(',')}`);
  }
  for (const c of [bob, cat]) {
    const snapshot = await c.ok('presence.subscribe');
    const annNow = (snapshot['presence'] as Json[]).find((p) => p['user'] === annWelcome['userId']);
    assert.equal(annNow?.['state'], 'online', 'Ann is online on nodes 1 and 2 after her node died');
  }

  // The room keeps working across the two surviving nodes.
  await eventually(() => bob.ok('chat.send', { room: room.id, text: 'after the kill' }));
  await ann2.event('message', (m) => m['text'] === 'after the kill', 10_000);
  await cat.event('message', (m) => m['text'] === 'after the kill', 10_000);

  // Every Redis connection of the surviving nodes is cut: they reconnect and service resumes.
  const list = await redis.client('LIST');
  const ids = String(list)
    .split('\n')
    .filter((line) => line.includes(`name=presence:cl${RUN}`))
    .map((line) => /id=(\d+)/.exec(line)?.[1])
    .filter((id): id is string => id !== undefined);
  assert.ok(ids.length >= 4, `found the nodes' Redis connections (${ids.length})`);
  for (const id of ids) await redis.client('KILL', 'ID', id).catch(() => undefined);
  await eventually(async () => {
    const text = `after redis ${Date.now()}`;
    await cat.ok('chat.send', { room: room.id, text });
    await bob.event('message', (m) => m['text'] === text, 1_000);
  });

  for (const c of [ann, ann2, bob, cat]) c.close();
});
