// test-needs: postgres redis
/**
 * The web app against a two-node cluster (real Redis with a key prefix of its own, real
 * PostgreSQL with a schema of its own): Alice's browser talks to node A, Bob opens her room link on
 * node B, and they chat and see each other online as on one server.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer } from '../harness.js';
import { createTestSchema, TEST_DATABASE_URL } from '../postgres.js';
import {
  createRoom,
  DESKTOP,
  enterRoomByLink,
  launchBrowser,
  member,
  messageWith,
  screenshot,
  watchPage,
} from './browser-kit.js';

const REDIS_URL = process.env['PRESENCE_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const PREFIX = `presence-e2e-${randomBytes(3).toString('hex')}:`;

let nodes: Awaited<ReturnType<typeof startTestServer>>[] = [];
let schema: Awaited<ReturnType<typeof createTestSchema>>;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  schema = await createTestSchema('presence_e2e');
  const shared = {
    redisUrl: REDIS_URL,
    redisPrefix: PREFIX,
    databaseUrl: TEST_DATABASE_URL,
    databaseSchema: schema.schema,
    serverSecret: randomBytes(32).toString('hex'),
    presenceCoalesceMs: 50,
  };
  nodes = [
    await startTestServer({ ...shared, nodeId: 'a' }),
    await startTestServer({ ...shared, nodeId: 'b' }),
  ];
  browser = await launchBrowser();
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  for (const n of nodes) await n.close();
  await schema?.drop();
  const redis = new Redis(REDIS_URL);
  const keys = await redis.keys(`${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext(DESKTOP);
  contexts.push(context);
  return watchPage(await context.newPage());
}

test('two people on two nodes of a cluster chat through one room link', { timeout: 60_000 }, async () => {
  const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
  const alice = await newPage();
  const bob = await newPage();
  const link = await createRoom(alice, a.httpUrl, 'Alice');
  // The same link, served by the other node (as a load balancer without sticky sessions would).
  const onB = link.replace(a.httpUrl, b.httpUrl);
  assert.notEqual(onB, link);
  await enterRoomByLink(bob, onB, 'Bob');

  for (const page of [alice, bob]) {
    await member(page, 'Alice').waitFor();
    await member(page, 'Bob').waitFor();
  }
  await alice.getByTestId('composer').fill('Hello from node A');
  await alice.getByTestId('composer').press('Enter');
  await messageWith(bob, 'Hello from node A').waitFor();
  await bob.getByTestId('composer').fill('**Hi** from node B');
  await bob.getByTestId('composer').press('Enter');
  await messageWith(alice, 'Hi from node B').waitFor();
  assert.equal(await messageWith(alice, 'Hi from node B').locator('strong').textContent(), 'Hi');
  assert.equal(await member(alice, 'Bob').getAttribute('data-online'), 'true');
  await screenshot(alice, 'cluster-alice-node-a');
  await screenshot(bob, 'cluster-bob-node-b');
});
