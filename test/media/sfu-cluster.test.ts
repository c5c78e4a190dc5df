// test-needs: janus postgres redis
/**
 * An SFU call across a Redis cluster: two server processes share PostgreSQL (a schema of their
 * own, over its unix socket), a Redis (started inside the test's network namespace) and one Janus
 * (`--janus-url` on both nodes). Ann is on node 0, which creates the room and so is its home; Bob
 * is on node 1. Bob's live.sfu.* requests are forwarded to the home, which alone owns the Janus
 * room, and the home's live.sfu.offer events reach Bob through the broker: both receive keyframes
 * and steady media from each other, and Janus holds exactly one room.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { spawnClusterNode } from '../cluster-node.js';
import { createTestSchema } from '../postgres.js';
import { RawClient, type Json } from '../raw-client.js';
import type { ServerProcess } from '../server-process.js';
import { SfuPeer } from '../sfu-peer.js';
import { allFlowing, inSfuNamespace, janusRoomCount, startExternalJanus, until } from '../sfu-fixture.js';
import { Vp8Source } from '../werift-peers.js';

/** The machine's PostgreSQL over its unix socket: TCP on 127.0.0.1 is not reachable from the namespace. */
const SOCKET_DATABASE_URL =
  process.env['PRESENCE_TEST_SOCKET_DATABASE_URL'] ?? 'postgres://postgres@/test?host=/var/run/postgresql';
const REDIS_PORT = 16391;

inSfuNamespace(import.meta.url, 'SFU call across a cluster', 1, clusterTests);

function clusterTests(): void {
  const run = randomBytes(3).toString('hex');
  const dirs: string[] = [];
  const nodes: ServerProcess[] = [];
  const clients: RawClient[] = [];
  const peers: SfuPeer[] = [];
  let redisServer: ChildProcess;
  let janus: Awaited<ReturnType<typeof startExternalJanus>>;
  let schema: Awaited<ReturnType<typeof createTestSchema>>;
  let source: Vp8Source;

  before(async () => {
    redisServer = spawn(
      'redis-server',
      ['--port', String(REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const redis = new Redis(`redis://127.0.0.1:${REDIS_PORT}`, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    redis.on('error', () => undefined); // refused until redis-server listens
    await until(
      'Redis answers',
      () =>
        redis.ping().then(
          () => true,
          () => false,
        ),
      10_000,
    );
    redis.disconnect();
    schema = await createTestSchema('presence_sfucl', SOCKET_DATABASE_URL);
    janus = await startExternalJanus([21500, 21700]);
    const secret = randomBytes(32).toString('hex');
    // Sequentially: the first one runs the migrations.
    for (let i = 0; i < 2; i++) {
      nodes.push(
        await spawnClusterNode({
          schema: schema.schema,
          prefix: `presence-sfucl-${run}:`,
          secret,
          nodeId: `sfucl${run}n${i}`,
          dirs,
          databaseUrl: SOCKET_DATABASE_URL,
          redisUrl: `redis://127.0.0.1:${REDIS_PORT}`,
          extra: [
            '--janus-url',
            janus.url,
            '--cluster-heartbeat-ms',
            '200',
            '--cluster-dead-after-ms',
            '1000',
          ],
        }),
      );
    }
    source = await Vp8Source.start();
  });

  after(async () => {
    for (const p of peers) await p.close().catch(() => undefined);
    for (const c of clients) c.close();
    for (const n of nodes) n.child.kill('SIGKILL');
    await Promise.all(nodes.map((n) => n.exited));
    await source?.close();
    await janus?.close();
    await schema?.drop().catch(() => undefined);
    redisServer?.kill('SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  async function client(node: number, name: string): Promise<RawClient> {
    const n = nodes[node];
    assert.ok(n);
    const c = await RawClient.ws(`ws://127.0.0.1:${n.httpPort}/ws`);
    clients.push(c);
    await c.hello(name);
    return c;
  }

  test('participants on two nodes receive each other’s media through the home node’s Janus room', async () => {
    const ann = await client(0, 'Ann');
    const bob = await client(1, 'Bob');
    const room = ((await ann.ok('room.create'))['room'] as Json)['id'] as string;
    await bob.ok('room.join', { room });
    await ann.ok('live.mode', { room, mode: 'sfu' });
    assert.equal((await ann.ok('live.join', { room }))['mode'], 'sfu');
    assert.equal((await bob.ok('live.join', { room }))['mode'], 'sfu', 'node 1 forwards to the home');
    const pa = new SfuPeer(ann, room, source);
    const pb = new SfuPeer(bob, room, source);
    peers.push(pa, pb);
    const startedAt = Date.now();
    await Promise.all([pa.startSfu(), pb.startSfu()]);
    await until(
      'a keyframe from the other at both participants',
      () => peers.every((p) => (p.subscriber?.firstKeyframeAt ?? null) !== null),
      20_000,
    );
    console.log(
      `SFU across nodes: both have a keyframe from the other ${Date.now() - startedAt} ms after publishing`,
    );
    await until('steady media from the other at both', () => allFlowing(peers, 1), 10_000);
    assert.deepEqual(
      peers.map((p) => p.streams.map((s) => s.participant).length),
      [1, 1],
      'each subscription carries the other one',
    );
    assert.equal(await janusRoomCount(janus.url), 1, 'one Janus room, owned by the home node');
  });
}
