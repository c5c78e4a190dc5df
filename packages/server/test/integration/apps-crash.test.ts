// test-needs: postgres
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestSchema, TEST_DATABASE_URL } from '../../../../test/postgres.js';
import { RawClient } from '../../../../test/raw-client.js';
import { spawnServer } from '../../../../test/server-process.js';
import {
  consent,
  openStream,
  registerAccount,
  registerApp,
  until,
  webhookReceiver,
  webhookUpdates,
} from '../../../../test/app-kit.js';

// Nothing lost: a presence change that reached the outbox survives kill -9 of the server before
// its webhook batch went out, and the restarted server tells the app the user went offline (the
// crash took their session), each update exactly once.
for (const backend of ['sqlite', 'postgres'] as const) {
  test(`kill -9 between a change and its batch loses nothing (${backend})`, async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'presence-apps-crash-'));
    const pgSchema = backend === 'postgres' ? await createTestSchema('presence_apps') : null;
    const receiver = await webhookReceiver();
    const flags = [
      '--data-dir',
      dataDir,
      '--session-grace-ms',
      '200',
      '--presence-coalesce-ms',
      '20',
      '--apps-webhook-interval-ms',
      '4000',
      '--apps-allow-private-webhooks',
      'true',
      ...(pgSchema ? ['--database-url', TEST_DATABASE_URL, '--database-schema', pgSchema.schema] : []),
    ];
    let server = await spawnServer(flags);
    try {
      const base = `http://127.0.0.1:${server.httpPort}`;
      const dev = await registerAccount(base, 'Dev');
      const ann = await registerAccount(base, 'Ann');
      const app = await registerApp(base, dev.token, { name: 'Durable', webhookUrl: receiver.url });
      const appUser = await consent(base, app, ann.token);
      const c = await RawClient.ws(`ws://127.0.0.1:${server.httpPort}/ws`);
      await c.hello('Ann', { token: ann.token });
      // The stream reads the outbox: once it shows online, the change is durable.
      const s = await openStream(base, app.clientSecret, { cursor: '0' });
      await until('online is in the outbox', () => s.items.some((i) => i['state'] === 'online'));
      s.close();
      assert.equal(receiver.received.length, 0, 'the batch has not gone out yet');
      server.child.kill('SIGKILL');
      await server.exited;
      c.close();

      server = await spawnServer(flags);
      await until(
        'the batch and the offline arrive',
        () => webhookUpdates(receiver).filter((u) => u[1] === 'offline').length >= 2,
        15_000,
      );
      // Give any duplicate the chance to show up.
      await new Promise((r) => setTimeout(r, 500));
      const updates = webhookUpdates(receiver);
      assert.deepEqual(
        updates.map((u) => [u[0], u[1]]),
        [
          [appUser, 'offline'],
          [appUser, 'online'],
          [appUser, 'offline'],
        ],
      );
      assert.equal(
        new Set(receiver.received.map((w) => w.headers['webhook-id'])).size,
        receiver.received.length,
      );
    } finally {
      server.child.kill('SIGKILL');
      await server.exited;
      await receiver.close();
      await pgSchema?.drop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}
