// `npm run bench -- apps [--quick]`: the cost of third-party apps (issue 17, item 9): USERS granted
// users × APPS apps, every user changing presence once. Measures the outbox write per update (one
// store transaction per user transition, one row per app) and the webhook side (batches, bytes per
// batch, CPU per update delivered), in this process, against a real SQLite store and a loopback
// receiver. Prints a markdown section.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppOutbox } from '../packages/server/src/apps/app-outbox.js';
import { appUserId } from '../packages/server/src/apps/app-secrets.js';
import { registerApp } from '../packages/server/src/apps/app-service.js';
import { WebhookSender } from '../packages/server/src/apps/webhook-sender.js';
import { openStore } from '../packages/server/src/store/open-store.js';

export interface AppsBench {
  users: number;
  apps: number;
  grantSeconds: number;
  updates: number;
  outboxCpuSeconds: number;
  outboxWallSeconds: number;
  batches: number;
  bytes: number;
  webhookCpuSeconds: number;
  batchSize: number;
}

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export async function appsBench(quick: boolean): Promise<AppsBench> {
  const users = quick ? 1_000 : 10_000;
  const apps = 100;
  const batchSize = 500;
  const dir = await mkdtemp(join(tmpdir(), 'presence-bench-apps-'));
  const store = await openStore({ dataDir: dir });
  let batches = 0;
  let bytes = 0;
  const receiver = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      batches++;
      res.end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  try {
    await store.migrate();
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const appIds: string[] = [];
    for (let a = 0; a < apps; a++) {
      const made = await registerApp(
        store.apps,
        { name: `App ${a}`, redirectUris: ['https://x.example/cb'], webhookUrl: url },
        null,
      );
      appIds.push(made.app.id);
    }
    const secret = Buffer.alloc(32, 1);
    const grantStart = Date.now();
    // Seeded in bulk: one transaction and multi-row inserts per 100 users (10,000 grants), not
    // one transaction per grant (10⁶ commits took hours on this disk).
    for (let u0 = 0; u0 < users; u0 += 100) {
      const grants = [];
      for (let u = u0; u < Math.min(users, u0 + 100); u++) {
        const userId = `user${u}@bench`;
        for (const appId of appIds)
          grants.push({
            appId,
            userId,
            appUserId: appUserId(secret, appId, userId),
            paused: false,
            shareStatus: false,
            grantedAt: 0,
          });
      }
      await store.apps.grantMany(grants, { state: 'offline', status: null, since: 0 });
    }
    const grantSeconds = (Date.now() - grantStart) / 1000;
    // The grants' own first updates are not part of the measurement: mark them delivered.
    for (const appId of appIds) {
      await store.apps.webhookProgress(appId, {
        cursor: await store.apps.latestSeq(appId),
        attempts: 0,
        nextAt: 0,
        batchTo: 0,
      });
    }

    const outbox = new AppOutbox({ store: store.apps, written: () => undefined });
    const before = cpu();
    const wallStart = Date.now();
    for (let u = 0; u < users; u++)
      outbox.push(`user${u}@bench`, { state: 'online', status: null, since: Date.now() });
    await outbox.settled();
    const outboxCpuSeconds = cpu() - before;
    const outboxWallSeconds = (Date.now() - wallStart) / 1000;

    const sender = new WebhookSender({
      store: store.apps,
      owner: 'bench',
      options: {
        appsWebhookIntervalMs: 1,
        appsWebhookBatchSize: batchSize,
        appsWebhookRetryHours: 1,
        appsWebhookTimeoutMs: 10_000,
        appsAllowPrivateWebhooks: true,
      },
    });
    const expected = Math.ceil(users / batchSize) * apps;
    const sendStart = cpu();
    while (batches < expected) {
      sender.kick();
      await sender.idle();
    }
    const webhookCpuSeconds = cpu() - sendStart;
    sender.close();
    outbox.close();
    return {
      users,
      apps,
      grantSeconds,
      updates: users * apps,
      outboxCpuSeconds,
      outboxWallSeconds,
      batches,
      bytes,
      webhookCpuSeconds,
      batchSize,
    };
  } finally {
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export function appsSection(r: AppsBench): string[] {
  const us = (s: number) => ((s / r.updates) * 1e6).toFixed(1);
  return [
    '## apps: third-party app updates (outbox and webhooks)',
    '',
    `${r.users.toLocaleString('en')} users × ${r.apps} apps, every user granted to every app (setup: ` +
      `${r.grantSeconds.toFixed(0)} s of bulk grants), each user going online once = ` +
      `${r.updates.toLocaleString('en')} updates; SQLite store, webhook receiver on loopback, batches of ${r.batchSize}.`,
    '',
    '| step | CPU s | wall s | µs CPU / update | batches | bytes / batch |',
    '|---|---|---|---|---|---|',
    `| outbox: transitions → one row per app | ${r.outboxCpuSeconds.toFixed(2)} | ${r.outboxWallSeconds.toFixed(2)} | ${us(r.outboxCpuSeconds)} | | |`,
    `| webhooks: read, sign, POST | ${r.webhookCpuSeconds.toFixed(2)} | | ${us(r.webhookCpuSeconds)} | ${r.batches.toLocaleString('en')} | ${Math.round(r.bytes / r.batches).toLocaleString('en')} |`,
    '',
    'Reproduce: `npm run bench -- apps` (10,000 × 100; `--quick`: 1,000 × 100), or `npx tsx bench/apps.ts [--quick]` ' +
      'to print the section without touching this file. Grants are seeded in bulk (`AppStore.grantMany`: one ' +
      'transaction of multi-row inserts per 100 users). The wall time of the outbox step is mostly the ' +
      'per-transition SQLite commit (fsync) on a shared disk, not CPU; CPU per update is the figure to compare.',
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await appsBench(process.argv.includes('--quick'));
  console.log(appsSection(r).join('\n'));
}
