/**
 * Direct messages in a real browser (Debian Chromium, fake camera and microphone) against a real
 * server serving packages/web/dist. Alice writes `**hello**` to Bob (chatty): both see it bold,
 * rendered by the server, neither sees the asterisks. Then Alice starts a call in their room with
 * the DM window open at 1280×800: the call's Leave button is not covered, she can click it.
 * Screenshots land in test-results/.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { startTestServer } from '../harness.js';
import {
  CHROMIUM_PATH,
  DESKTOP,
  LAUNCH_ARGS,
  RESULTS_DIR,
  screenshot,
  watchPage,
  logInOnPage,
  registerAccount,
} from './browser-kit.js';

const PASSWORD = 'correct horse battery';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

before(async () => {
  server = await startTestServer();
  await mkdir(RESULTS_DIR, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [...LAUNCH_ARGS, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function account(username: string, name: string): Promise<{ page: Page; id: string }> {
  const userId = await registerAccount(server.httpUrl, { username, password: PASSWORD, name });
  const context = await browser.newContext(DESKTOP);
  await context.grantPermissions(['camera', 'microphone']);
  const page = watchPage(await context.newPage());
  await logInOnPage(page, server.httpUrl, username, PASSWORD);
  return { page, id: userId };
}

function dmMessage(page: Page, user: string, text: string): Locator {
  return page
    .locator(`[data-testid="dm-window"][data-user="${user}"] [data-testid="dm-message"]`)
    .filter({ hasText: text });
}

test('your own DM shows as the recipient sees it; the DM window leaves the call’s Leave button free', async () => {
  const alice = await account('alice', 'Alice');
  const bob = await account('bob', 'Bob');

  // Bob is chatty: anyone may write to him.
  const picker = bob.page.getByTestId('status-picker');
  await picker.getByTestId('status-toggle').click();
  await picker.getByRole('dialog', { name: 'Your status' }).getByTestId('status-state-chatty').click();
  await bob.page.keyboard.press('Escape');

  // They share a room; Alice opens a DM from Bob's row.
  await alice.page.getByTestId('create-room').click();
  await alice.page.waitForURL(/\/r\/[A-Za-z0-9_-]+$/);
  const link = await alice.page.getByTestId('room-link').getAttribute('href');
  assert.ok(link);
  await bob.page.goto(link);
  await bob.page.getByTestId('composer').waitFor();
  const bobRow = alice.page.locator(`[data-testid="member-item"][data-user="${bob.id}"]`);
  await bobRow.locator('[data-testid="presence-dot"][data-state="chatty"]').waitFor();
  await bobRow.getByTestId('member-menu').click();
  await alice.page.getByTestId('popup-menu').getByTestId('dm-open').click();
  const composer = alice.page
    .locator(`[data-testid="dm-window"][data-user="${bob.id}"]`)
    .getByTestId('dm-composer');
  await composer.fill('**hello** Bob');
  await composer.press('Enter');

  // Bob's copy and Alice's own: bold, no asterisks.
  const received = dmMessage(bob.page, alice.id, 'hello');
  await received.locator('strong', { hasText: 'hello' }).waitFor();
  const sent = dmMessage(alice.page, bob.id, 'hello');
  await sent.and(alice.page.locator('[data-status="delivered"]')).waitFor();
  await sent.locator('strong', { hasText: 'hello' }).waitFor();
  assert.doesNotMatch((await sent.textContent()) ?? '', /\*\*/, 'no raw markdown in her own message');
  assert.doesNotMatch((await received.textContent()) ?? '', /\*\*/);
  await screenshot(alice.page, 'dm-own-message-rendered');

  // Alice starts a call with the DM window still open: Leave stays visible and clickable.
  await alice.page.getByTestId('join-call').click();
  const leave = alice.page.getByTestId('leave-call');
  await leave.waitFor();
  await screenshot(alice.page, 'dm-window-during-call');
  const covered = await leave.evaluate((button) => {
    const box = button.getBoundingClientRect();
    // Inside the pill's rounded ends: hit-testing follows the border radius.
    const midX = box.left + box.width / 2;
    const midY = box.top + box.height / 2;
    const r = box.height / 2;
    const points = [
      [midX, midY],
      [box.left + r, midY],
      [box.right - r, midY],
      [midX, box.top + 2],
      [midX, box.bottom - 2],
    ] as const;
    return points.filter(([x, y]) => !button.contains(document.elementFromPoint(x, y))).length;
  });
  assert.equal(covered, 0, 'no part of the Leave button is under the DM window');
  await leave.click({ trial: true, timeout: 2_000 });
  await leave.click();
  await alice.page.getByTestId('join-call').waitFor();
});
