// test-needs: postgres redis
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { createTestSchema } from '../../../../test/postgres.js';
import { RawClient } from '../../../../test/raw-client.js';
import { REDIS_URL, spawnClusterNode } from '../../../../test/cluster-node.js';
import type { ServerProcess } from '../../../../test/server-process.js';
import {
  api,
  consent,
  openStream,
  registerAccount,
  registerApp,
  until,
  webhookReceiver,
  webhookUpdates,
  type Json,
  type WebhookReceiver,
} from '../../../../test/app-kit.js';

/**
 * Third-party apps in a cluster: two server processes sharing Redis and PostgreSQL, every node
 * running presence for every user. Users on different nodes change presence; the app's webhook
 * (a real receiver on loopback) gets each update once, not once per node, and its stream works
 * from either node, resuming by cursor across nodes.
 */
const RUN = randomBytes(3).toString('hex');
const PREFIX = `presence-apps-${RUN}:`;
const GRACE_MS = 400;
const INTERVAL_MS = 300;

let schema: Awaited<ReturnType<typeof createTestSchema>>;
let redis: Redis;
let hooks: WebhookReceiver;
const dirs: string[] = [];
const nodes: ServerProcess[] = [];
const clients: RawClient[] = [];
const secret = randomBytes(32).toString('hex');

const base = (n: ServerProcess) => `http://127.0.0.1:${n.httpPort}`;

before(async () => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  await redis.ping();
  hooks = await webhookReceiver();
  schema = await createTestSchema('presence_appscl');
  for (let i = 0; i < 2; i++)
    nodes.push(
      await spawnClusterNode({
        schema: schema.schema,
        prefix: PREFIX,
        secret,
        nodeId: `apps${RUN}n${i}`,
        dirs,
        extra: [
          '--session-grace-ms',
          String(GRACE_MS),
          '--presence-coalesce-ms',
          '20',
          '--apps-webhook-interval-ms',
          String(INTERVAL_MS),
          '--apps-allow-private-webhooks',
          'true',
          '--apps-stream-heartbeat-ms',
          '500',
        ],
      }),
    );
});

after(async () => {
  for (const c of clients) c.close();
  for (const n of nodes) n.child.kill('SIGKILL');
  await Promise.all(nodes.map((n) => n.exited));
  await hooks.close();
  await schema.drop();
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function online(node: ServerProcess, token: string, name: string): Promise<RawClient> {
  const c = await RawClient.ws(`ws://127.0.0.1:${node.httpPort}/ws`);
  clients.push(c);
  await c.hello(name, { token });
  return c;
}

const presence = (s: { items: Json[] }) => s.items.filter((i) => i['type'] === 'presence');

test('users on different nodes: each update reaches the webhook once; the stream works and resumes from either node', async () => {
  const [n0, n1] = nodes as [ServerProcess, ServerProcess];
  const dev = await registerAccount(base(n0), 'Dev');
  const app = await registerApp(base(n0), dev.token, { name: 'Clustered', webhookUrl: hooks.url });
  // A stream on node 1, opened before anything happens.
  const first = await openStream(base(n1), app.clientSecret);
  assert.equal(first.status, 200);

  const ann = await registerAccount(base(n0), 'Ann');
  const bob = await registerAccount(base(n1), 'Bob');
  // Each consents through a different node.
  const annApp = await consent(base(n0), app, ann.token, { shareStatus: true });
  const bobApp = await consent(base(n1), app, bob.token);
  const a = await online(n0, ann.token, 'Ann');
  const b = await online(n1, bob.token, 'Bob');
  const states = (u: string) => webhookUpdates(hooks).filter((x) => x[0] === u);
  await until(
    'both online by webhook',
    () => states(annApp).some((x) => x[1] === 'online') && states(bobApp).some((x) => x[1] === 'online'),
    15_000,
  );
  await a.ok('presence.set', { state: 'away', status: 'lunch' });
  await b.ok('presence.set', { state: 'away' });
  await until(
    'both away by webhook',
    () => states(annApp).some((x) => x[1] === 'away') && states(bobApp).some((x) => x[1] === 'away'),
    15_000,
  );
  a.close();
  b.close();
  await until(
    'both offline by webhook',
    () => states(annApp).at(-1)?.[1] === 'offline' && states(bobApp).at(-1)?.[1] === 'offline',
    15_000,
  );
  // Long enough for a second node's copy of any batch to arrive, were there one.
  await new Promise((r) => setTimeout(r, INTERVAL_MS * 4 + GRACE_MS));

  const verifier = new Webhook(app.signingSecret);
  for (const w of hooks.received)
    assert.doesNotThrow(() => verifier.verify(w.body, w.headers), 'signature verifies');
  const ids = hooks.received.map((w) => w.headers['webhook-id']);
  assert.equal(new Set(ids).size, ids.length, `each batch once, not once per node: ${ids.join(' ')}`);
  // The grant tells the state at that moment (offline), then every transition exactly once.
  assert.deepEqual(
    states(annApp).map((x) => x[1]),
    ['offline', 'online', 'away', 'offline'],
    JSON.stringify(webhookUpdates(hooks)),
  );
  assert.deepEqual(
    states(bobApp).map((x) => x[1]),
    ['offline', 'online', 'away', 'offline'],
    JSON.stringify(webhookUpdates(hooks)),
  );
  assert.equal(states(annApp).find((x) => x[1] === 'away')?.[3], 'lunch');
  const all = webhookUpdates(hooks);
  assert.equal(all.length, 8, 'nothing else');

  // The stream on node 1 saw the same eight updates, in order, each once.
  await until('stream has everything', () => presence(first).length >= 8, 10_000);
  const cursors = presence(first).map((i) => Number(i['cursor']));
  assert.equal(cursors.length, 8);
  assert.deepEqual(
    cursors,
    [...new Set(cursors)].sort((x, y) => x - y),
    'increasing, no duplicates',
  );
  assert.deepEqual(
    presence(first).map((i) => [i['user'], i['state']]),
    all.map((x) => [x[0], x[1]]),
    'the stream and the webhook tell the same story',
  );

  // A stream on node 0 (resuming after the third update) replaces node 1's: across nodes.
  const resumeAt = String(cursors[2]);
  const second = await openStream(base(n0), app.clientSecret, { cursor: resumeAt });
  assert.equal(second.status, 200);
  await first.ended;
  assert.ok(
    first.items.some((i) => i['type'] === 'replaced'),
    'the stream on the other node is replaced',
  );
  await until('replayed on node 0', () => presence(second).length >= 5, 10_000);
  assert.deepEqual(
    presence(second).map((i) => Number(i['cursor'])),
    cursors.slice(3),
    'exactly what followed the cursor',
  );

  // A live update after resuming reaches the stream on node 0, though the user is on node 1.
  const again = await online(n1, bob.token, 'Bob');
  await until(
    'live on node 0',
    () =>
      presence(second).some(
        (i) => i['user'] === bobApp && i['state'] === 'online' && Number(i['cursor']) > cursors[7]!,
      ),
    10_000,
  );
  second.close();

  // SSE on node 1 with Last-Event-ID: the same replay.
  const sse = await openStream(base(n1), app.clientSecret, { sse: true, lastEventId: resumeAt });
  assert.match(sse.headers.get('content-type') ?? '', /text\/event-stream/);
  await until('SSE replay', () => sse.items.filter((e) => e['event'] === 'presence').length >= 6, 10_000);
  const events = sse.items.filter((e) => e['event'] === 'presence');
  assert.deepEqual(
    events.slice(0, 5).map((e) => Number(e['id'])),
    cursors.slice(3),
  );
  sse.close();
  again.close();
  await until(
    'offline again',
    () => states(bobApp).length === 6 && states(bobApp).at(-1)?.[1] === 'offline',
    15_000,
  );
  const ids2 = hooks.received.map((w) => w.headers['webhook-id']);
  assert.equal(new Set(ids2).size, ids2.length, 'each batch once');
});

test('the live-notification limit counts across nodes: spreading requests over them gains nothing', async () => {
  const [n0, n1] = nodes as [ServerProcess, ServerProcess];
  const dev = await registerAccount(base(n0), 'Dev2');
  const app = await registerApp(base(n0), dev.token, { name: 'Spreader' });
  const cat = await registerAccount(base(n1), 'Cat');
  const catApp = await consent(base(n1), app, cat.token);
  // The store counts per calendar minute: start early in one, so that all 12 fall into it.
  const intoMinute = Date.now() % 60_000;
  if (intoMinute > 45_000) await new Promise((r) => setTimeout(r, 60_000 - intoMinute + 100));
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) {
    const node = i % 2 === 0 ? n0 : n1;
    const r = await api(base(node), 'POST', '/api/apps/notify', app.clientSecret, {
      user: catApp,
      text: `n${i}`,
    });
    statuses.push(r.status);
  }
  // --apps-notify-per-minute is 6 (the default): 6 in all, not 6 per node.
  assert.equal(
    statuses.filter((s) => s === 200).length,
    6,
    `accepted over both nodes: ${statuses.join(' ')}`,
  );
  assert.equal(statuses.filter((s) => s === 429).length, 6);
});
