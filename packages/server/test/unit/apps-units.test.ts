import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  appIdOfSecret,
  appUserId,
  newAppId,
  newClientSecret,
  pkceMatches,
  secretMatches,
  sha256,
} from '../../src/apps/app-secrets.js';
import { registerApp } from '../../src/apps/app-service.js';
import { batchDueAt, retriesExhausted, retryDelay } from '../../src/apps/webhook-schedule.js';
import { WebhookSender, webhookBody } from '../../src/apps/webhook-sender.js';
import { openStore } from '../../src/store/open-store.js';

test('PKCE S256: only the verifier whose sha256 is the challenge matches', () => {
  const verifier = 'a'.repeat(20) + 'B-._~'.repeat(5);
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  assert.ok(pkceMatches(verifier, challenge));
  assert.ok(!pkceMatches(`${verifier}x`, challenge));
  assert.ok(
    !pkceMatches('short', createHash('sha256').update('short').digest('base64url')),
    'under 43 characters',
  );
  assert.ok(!pkceMatches(verifier, verifier), 'plain is not S256');
});

test('per-app ids: stable, different per app and per user, URL-safe, never the user id', () => {
  const secret = Buffer.alloc(32, 7);
  const a = appUserId(secret, 'app_1', 'ann@example.org');
  assert.equal(a, appUserId(secret, 'app_1', 'ann@example.org'));
  assert.notEqual(a, appUserId(secret, 'app_2', 'ann@example.org'));
  assert.notEqual(a, appUserId(secret, 'app_1', 'bob@example.org'));
  assert.notEqual(
    a,
    appUserId(Buffer.alloc(32, 8), 'app_1', 'ann@example.org'),
    'depends on the server secret',
  );
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
});

test('client secrets name their app and match only their hash', () => {
  const id = newAppId();
  const secret = newClientSecret(id);
  assert.equal(appIdOfSecret(secret), id);
  assert.ok(secretMatches(secret, sha256(secret)));
  assert.ok(!secretMatches(`${secret}x`, sha256(secret)));
  assert.equal(appIdOfSecret('pas_nope'), null);
});

test('batches are due after the interval or when full; retries double up to an hour and run out', () => {
  const rules = { intervalMs: 30_000, batchSize: 500 };
  assert.equal(batchDueAt(1_000, 1, rules), 31_000);
  assert.equal(batchDueAt(1_000, 499, rules), 31_000);
  assert.equal(batchDueAt(1_000, 500, rules), 1_000);
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => retryDelay(n, 5_000)),
    [5_000, 10_000, 20_000, 40_000],
  );
  assert.equal(retryDelay(30, 5_000), 3_600_000);
  assert.ok(!retriesExhausted(10, 5_000, 24 * 3_600_000));
  assert.ok(retriesExhausted(40, 5_000, 24 * 3_600_000));
});

test('webhook bodies are the seed list, the status text only when shared', () => {
  const base = { seq: 1, appId: 'a', createdAt: 0, since: 5 };
  assert.equal(
    webhookBody([
      { ...base, appUserId: 'u1', state: 'online', status: null },
      { ...base, appUserId: 'u2', state: 'away', status: 'lunch' },
    ]),
    '[["u1","online",5],["u2","away",5,"lunch"]]',
  );
});

test('the sender holds a batch for the interval on its clock, then sends it once', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'presence-apps-unit-'));
  const store = await openStore({ dataDir: dir });
  const got: string[] = [];
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push(body);
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    await store.migrate();
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/h`;
    const { app } = await registerApp(
      store.apps,
      { name: 'T', redirectUris: ['https://x.example/cb'], webhookUrl: url },
      null,
    );
    await store.apps.grant(
      { appId: app.id, userId: 'ann@x', appUserId: 'U', paused: false, shareStatus: false, grantedAt: 0 },
      { state: 'offline', status: null, since: 1 },
    );
    const start = Date.now();
    let clock = start;
    const sender = new WebhookSender({
      store: store.apps,
      owner: 'n1',
      now: () => clock,
      options: {
        appsWebhookIntervalMs: 30_000,
        appsWebhookBatchSize: 100,
        appsWebhookRetryHours: 1,
        appsWebhookTimeoutMs: 2_000,
        appsAllowPrivateWebhooks: true,
      },
    });
    clock = start + 29_000;
    sender.kick();
    await sender.idle();
    assert.equal(got.length, 0, 'not before the interval');
    clock = start + 31_000;
    sender.kick();
    await sender.idle();
    assert.deepEqual(got, ['[["U","offline",1]]']);
    clock += 60_000;
    sender.kick();
    await sender.idle();
    assert.equal(got.length, 1, 'sent once');
    sender.close();
  } finally {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
