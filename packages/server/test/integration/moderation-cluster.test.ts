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
 * Bans in a cluster: two server processes sharing Redis and PostgreSQL. A ban made through one node
 * refuses the banned user (by user id, and a new guest by the browser's guest key) on the other.
 */
const RUN = randomBytes(3).toString('hex');
const PREFIX = `presence-mod-${RUN}:`;

let schema: Awaited<ReturnType<typeof createTestSchema>>;
let redis: Redis;
const dirs: string[] = [];
const nodes: ServerProcess[] = [];
const clients: RawClient[] = [];
const secret = randomBytes(32).toString('hex');

function startNode(i: number): Promise<ServerProcess> {
  return spawnClusterNode({ schema: schema.schema, prefix: PREFIX, secret, nodeId: `mod${RUN}n${i}`, dirs });
}

async function client(node: ServerProcess, name: string, extra: Json = {}) {
  const c = await RawClient.ws(`ws://127.0.0.1:${node.httpPort}/ws`);
  clients.push(c);
  const welcome = await c.hello(name, extra);
  return { c, id: welcome['userId'] as string, token: welcome['token'] as string };
}

before(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await redis.ping();
  schema = await createTestSchema('presence_modcl');
  for (let i = 0; i < 2; i++) nodes.push(await startNode(i));
});

after(async () => {
  for (const c of clients) c.close();
  for (const n of nodes) n.child.kill('SIGKILL');
  await Promise.all(nodes.map((n) => n.exited));
  await schema.drop();
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('a ban made on one node holds on the other: by user id and by guest key', async () => {
  const [n0, n1] = nodes as [ServerProcess, ServerProcess];
  const owner = await client(n0, 'Owner');
  const room = ((await owner.c.ok('room.create', { name: 'Clustered' }))['room'] as Json)['id'] as string;
  const key = `browser-${RUN}-key`;
  const mallory = await client(n1, 'Mallory');
  await mallory.c.ok('room.join', { room, guestKey: key });
  await owner.c.ok('mod.ban', { room, user: mallory.id, reason: 'spam' });
  assert.equal((await mallory.c.event('mod.removed'))['action'], 'ban');

  // The same user (resumed token) on either node.
  for (const node of [n0, n1]) {
    const again = await RawClient.ws(`ws://127.0.0.1:${node.httpPort}/ws`);
    clients.push(again);
    await again.hello('Mallory', { token: mallory.token });
    assert.equal((await again.request('room.join', { room }))['code'], 'BANNED');
  }
  // A new guest id from the same browser, on the other node.
  const newGuest = await client(n0, 'Not Mallory');
  assert.equal((await newGuest.c.request('room.join', { room, guestKey: key }))['code'], 'BANNED');
  assert.equal((await newGuest.c.request('lobby.knock', { room, guestKey: key }))['code'], 'BANNED');
  // And the audit log, read through the other node, has it.
  const viaN1 = await client(n1, 'Owner again', { token: owner.token });
  await viaN1.c.ok('room.join', { room });
  const entries = (await viaN1.c.ok('mod.audit', { room }))['entries'] as Json[];
  assert.equal(entries[0]?.['action'], 'ban');
});
