/**
 * The DM list in a real browser: Bob (chatty) gets direct messages from Ann and Cid while his tab
 * is open. The sidebar's "Direct messages" lists both, most recent first, with unread badges; the
 * list and its counts come back after a reload (kept on the server, dm.list); opening Ann's DM
 * window clears her badge, and it stays cleared after another reload (dm.read). Screenshots land
 * in test-results/.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestServer } from '../harness.js';
import { RawClient } from '../raw-client.js';
import {
  CHROMIUM_PATH,
  DESKTOP,
  LAUNCH_ARGS,
  RESULTS_DIR,
  screenshot,
  watchPage,
  logInOnPage,
} from './browser-kit.js';

const PASSWORD = 'correct horse battery';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
const clients: RawClient[] = [];

before(async () => {
  server = await startTestServer();
  await mkdir(RESULTS_DIR, { recursive: true });
  browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS });
});

after(async () => {
  for (const c of clients) c.close();
  await browser?.close();
  await server?.close();
});

async function register(username: string, name: string): Promise<{ id: string; token: string }> {
  const res = await fetch(`${server.httpUrl}/api/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD, name }),
  });
  assert.equal(res.status, 201);
  const body = (await res.json()) as { userId: string; token: string };
  return { id: body.userId, token: body.token };
}

async function writer(username: string, name: string): Promise<{ id: string; c: RawClient }> {
  const account = await register(username, name);
  const c = await RawClient.tcp(server.tcp.port);
  clients.push(c);
  await c.hello(name, { token: account.token });
  return { id: account.id, c };
}

function item(page: Page, peer: string) {
  return page.locator(`[data-testid="dm-list-item"][data-peer="${peer}"]`);
}

async function order(page: Page): Promise<string[]> {
  return page
    .getByTestId('dm-list-item')
    .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset['peer'] ?? ''));
}

test('the DM list: unread badges, most recent first, kept across reloads, cleared by opening', async () => {
  const bob = await register('bob', 'Bob');
  const page = watchPage(await (await browser.newContext(DESKTOP)).newPage());
  await logInOnPage(page, server.httpUrl, 'bob', PASSWORD);
  // Chatty: anyone may write to him.
  const picker = page.getByTestId('status-picker');
  await picker.getByTestId('status-toggle').click();
  await picker.getByRole('dialog', { name: 'Your status' }).getByTestId('status-state-chatty').click();
  await page.keyboard.press('Escape');

  const ann = await writer('ann', 'Ann');
  const cid = await writer('cid', 'Cid');
  const send = async (from: RawClient, text: string) => {
    const r = await from.ok('dm.send', { to: bob.id, text });
    assert.equal(r['outcome'], 'delivered');
  };
  // Ann's first message opens her DM window (nothing open yet), so it is read at once.
  await send(ann.c, 'hi Bob');
  await page.locator(`[data-testid="dm-window"][data-user="${ann.id}"]`).waitFor();
  // Cid writes while Ann's conversation is on screen: his count shows in the list.
  await send(cid.c, 'lunch?');
  await send(cid.c, 'at noon?');
  const cidBadge = item(page, cid.id).getByTestId('dm-list-unread');
  const annBadge = item(page, ann.id).getByTestId('dm-list-unread');
  await cidBadge.filter({ hasText: '2' }).waitFor();
  assert.equal(await annBadge.count(), 0, 'the conversation on screen is read');
  assert.deepEqual(await order(page), [cid.id, ann.id], 'most recent first');
  assert.match((await item(page, cid.id).textContent()) ?? '', /Cid/);
  await screenshot(page, 'dm-list-unread');

  // A reload: the list and its counts come back from the server (dm.list).
  await page.reload();
  await cidBadge.filter({ hasText: '2' }).waitFor();
  await item(page, ann.id).waitFor();
  assert.equal(await annBadge.count(), 0);
  assert.deepEqual(await order(page), [cid.id, ann.id]);

  // Opening Cid's conversation from the list clears his badge; then Ann writes: she moves to the
  // top with a badge of her own.
  await item(page, cid.id).click();
  await page.locator(`[data-testid="dm-window"][data-user="${cid.id}"]`).waitFor();
  await cidBadge.waitFor({ state: 'detached' });
  await send(ann.c, 'ping');
  await annBadge.filter({ hasText: '1' }).waitFor();
  assert.deepEqual(await order(page), [ann.id, cid.id]);
  await screenshot(page, 'dm-list-opened');

  // Read stays read, unread stays unread, after another reload (dm.read reached the server).
  await page.reload();
  await annBadge.filter({ hasText: '1' }).waitFor();
  await item(page, cid.id).waitFor();
  assert.equal(await cidBadge.count(), 0, 'read stays read after a reload');
  const listed = await ann.c.ok('dm.list', {});
  assert.equal(
    (listed['conversations'] as { unread: number }[])[0]?.unread,
    0,
    "Ann's side: Bob sent nothing",
  );
});
