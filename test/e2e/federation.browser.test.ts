/**
 * Federation in a real browser (Debian Chromium driven by playwright-core) with two federated
 * servers on loopback, a.test and b.test (static peer map), each serving packages/web/dist:
 * Alice, logged in on A's web app, sees the presence of her contact Bob on B change; the room
 * directory on A lists B's public room under B's name, linking to it on B.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestServer } from '../harness.js';
import { RawClient } from '../raw-client.js';
import {
  befriend,
  connect,
  planServers,
  register,
  startFederated,
} from '../../packages/server/test/integration/federation-kit.js';
import { launchBrowser, logInOnPage, newPerson, registerAccount, screenshot } from './browser-kit.js';

test(
  "two servers: a remote contact's presence on the contacts panel, and the other server's rooms in the directory",
  { timeout: 60_000 },
  async () => {
    const plan = await planServers(['a.test', 'b.test']);
    const servers: TestServer[] = [];
    const clients: RawClient[] = [];
    const browser = await launchBrowser();
    try {
      const a = await startFederated(plan, 'a.test');
      servers.push(a);
      const b = await startFederated(plan, 'b.test');
      servers.push(b);

      const username = `alice${Math.random().toString(36).slice(2, 8)}`;
      const password = 'correct horse battery';
      const aliceId = await registerAccount(a.httpUrl, { username, password, name: 'Alice' });
      const bob = await register(b.httpUrl, 'Bob');
      // Alice's own session on A (as her other device) asks Bob, who accepts on B.
      const aliceDevice = await RawClient.tcp(a.tcp.port);
      clients.push(aliceDevice);
      const login = await fetch(`${a.httpUrl}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      const { token } = (await login.json()) as { token: string };
      await aliceDevice.hello('Alice', { token });
      const sb = await connect(b.tcp.port, bob);
      clients.push(sb);
      await befriend(aliceDevice, aliceId, sb, bob.id);
      await sb.ok('room.create', {
        name: 'Border crossing',
        topic: 'a room on b.test',
        visibility: 'public',
      });
      // A second public room of B with its call on: marked live, and first under "Live now".
      const onAir = (
        (await sb.ok('room.create', { name: 'Border radio', visibility: 'public' }))['room'] as { id: string }
      )['id'];
      await sb.ok('live.join', { room: onAir, media: { audio: true } });

      const page = await newPerson(browser);
      await logInOnPage(page, a.httpUrl, username, password);
      const panel = page.getByTestId('contacts-panel');
      const row = panel.locator('li', { hasText: 'Bob' });
      await row.waitFor();
      await row.getByText('Online').waitFor();
      await sb.ok('presence.set', { state: 'busy', status: 'across the border' });
      await row.getByText('Busy · across the border').waitFor();
      await screenshot(page, 'federation-remote-contact');

      await page.goto(`${a.httpUrl}/?view=directory`);
      await page.getByTestId('directory').waitFor();
      const remote = page.getByTestId('federated-room').filter({ hasText: 'Border crossing' });
      await remote.waitFor();
      assert.equal(await page.getByTestId('federated-server').first().textContent(), 'b.test');
      assert.match((await remote.textContent()) ?? '', /on b\.test/);
      const href = (await remote.getAttribute('href')) ?? '';
      assert.ok(href.startsWith(`${b.httpUrl}/r/`), href);
      const liveNow = page.getByTestId('live-now');
      const liveCard = liveNow.getByTestId('live-room').first();
      await liveCard.waitFor();
      assert.equal(await liveCard.getAttribute('data-room'), onAir);
      assert.equal(await liveCard.getAttribute('data-server'), 'b.test');
      assert.match((await liveCard.textContent()) ?? '', /Live.*call · 1 in the call.*on b\.test/);
      // In B's own list the live room carries the mark, the quiet one does not.
      const radio = page.getByTestId('federated-room').filter({ hasText: 'Border radio' });
      await radio.getByTestId('live-mark').waitFor();
      assert.equal(await remote.getByTestId('live-mark').count(), 0);
      // "Live now" comes before the lists.
      const order = await page
        .locator('[data-testid="live-now"], [data-testid="federated-rooms"]')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')));
      assert.deepEqual(order, ['live-now', 'federated-rooms']);
      await screenshot(page, 'federation-directory');
    } finally {
      for (const c of clients) c.close();
      await browser.close();
      for (const s of servers) await s.close();
    }
  },
);
