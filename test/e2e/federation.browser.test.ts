/**
 * Federation in a real browser (Debian Chromium driven by playwright-core) with two federated
 * servers on loopback, a.test and b.test (static peer map), each serving packages/web/dist:
 * Alice, logged in on A's web app, sees the presence of her contact Bob on B change; the room
 * directory on A lists B's public rooms under B's name, the live one first under "Live now"; Alice
 * opens B's room from the directory (and another by pasting ROOM@SERVER) as herself, chats with
 * Bob, who is logged in on B's web app, and each sees the other's qualified id.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TestServer } from '../harness.js';
import { RawClient } from '../raw-client.js';
import {
  befriend,
  connect,
  planServers,
  startFederated,
} from '../../packages/server/test/integration/federation-kit.js';
import { launchBrowser, logInOnPage, newPerson, registerAccount, screenshot } from './browser-kit.js';

test(
  "two servers: a remote contact's presence, the other server's rooms (live first) in the directory, and chat in a room of B as Alice of A",
  { timeout: 90_000 },
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
      const bobUsername = `bob${Math.random().toString(36).slice(2, 8)}`;
      const bobId = await registerAccount(b.httpUrl, { username: bobUsername, password, name: 'Bob' });
      const bobLogin = await fetch(`${b.httpUrl}/api/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: bobUsername, password }),
      });
      const bob = { id: bobId, name: 'Bob', token: ((await bobLogin.json()) as { token: string }).token };
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
      const crossing = await sb.ok('room.create', {
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
      const crossingId = (crossing['room'] as { id: string })['id'];
      // The card opens the room here, connected to B as Alice.
      assert.equal(await remote.getAttribute('href'), `/r/${crossingId}@b.test`);
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

      // Bob is logged in on B's web app, in his room.
      const bobPage = await newPerson(browser);
      await logInOnPage(bobPage, b.httpUrl, bobUsername, password);
      await bobPage.goto(`${b.httpUrl}/r/${crossingId}`);
      await bobPage.getByTestId('composer').waitFor();

      // Alice opens it from A's directory: the room of B, with her own name and id.
      await remote.click();
      await page.waitForURL(`${a.httpUrl}/r/${crossingId}@b.test`);
      await page.getByTestId('room-title').filter({ hasText: 'Border crossing' }).waitFor();
      await page.getByTestId('room-server').filter({ hasText: 'on b.test' }).waitFor();
      const meThere = page.locator(`[data-testid="member-item"][data-user="${aliceId}"]`);
      await meThere.waitFor();
      assert.match((await meThere.textContent()) ?? '', /Alice \(you\)/);
      // Bob is a user of B: his qualified id shows next to his name.
      const bobThere = page.locator(`[data-testid="member-item"][data-user="${bobId}"]`);
      await bobThere.getByTestId('member-server').filter({ hasText: bobId }).waitFor();

      const composer = page.getByTestId('composer');
      await composer.fill('Hello from a.test');
      await composer.press('Enter');
      // Bob sees it in B's web app, from Alice's qualified id, marked with it.
      const atBob = bobPage
        .locator(`[data-testid="message"][data-user="${aliceId}"]`)
        .filter({ hasText: 'Hello from a.test' });
      await atBob.waitFor();
      assert.equal(await atBob.getByTestId('message-server').textContent(), aliceId);
      const aliceAtBob = bobPage.locator(`[data-testid="member-item"][data-user="${aliceId}"]`);
      await aliceAtBob.getByTestId('member-server').filter({ hasText: aliceId }).waitFor();
      // And the raw session of his other device got it from her id too.
      await sb.event(
        'message',
        (m) => m['text'] === 'Hello from a.test' && (m['from'] as { id: string }).id === aliceId,
      );

      // Bob answers from B's web app; Alice sees it on A's, with his id.
      const bobComposer = bobPage.getByTestId('composer');
      await bobComposer.fill('Welcome across, Alice');
      await bobComposer.press('Enter');
      const atAlice = page
        .locator(`[data-testid="message"][data-user="${bobId}"]`)
        .filter({ hasText: 'Welcome across, Alice' });
      await atAlice.waitFor();
      assert.equal(await atAlice.getByTestId('message-server').textContent(), bobId);
      await screenshot(page, 'federation-remote-room-alice');
      await screenshot(bobPage, 'federation-remote-room-bob');

      // A reload resumes her session on B (its token, kept for the tab): still Alice, nobody new.
      await page.reload();
      await page.getByTestId('room-server').filter({ hasText: 'on b.test' }).waitFor();
      await page.locator('[data-testid="message"]').filter({ hasText: 'Welcome across, Alice' }).waitFor();
      await meThere.waitFor();
      assert.equal(await page.getByTestId('member-item').count(), 2, 'Alice and Bob, no guest');

      // Pasting ROOM@SERVER into the directory's field opens that room the same way.
      await page.goto(`${a.httpUrl}/?view=directory`);
      const field = page.getByTestId('directory-search');
      await field.fill(`${onAir}@b.test`);
      await page
        .getByTestId('open-remote-room')
        .filter({ hasText: `Open room ${onAir} on b.test` })
        .waitFor();
      await field.press('Enter');
      await page.waitForURL(`${a.httpUrl}/r/${onAir}@b.test`);
      await page.getByTestId('room-title').filter({ hasText: 'Border radio' }).waitFor();
      await page.locator(`[data-testid="member-item"][data-user="${aliceId}"]`).waitFor();
    } finally {
      for (const c of clients) c.close();
      await browser.close();
      for (const s of servers) await s.close();
    }
  },
);
