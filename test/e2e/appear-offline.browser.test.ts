/**
 * "Appear offline" in a real browser: Bob (an account) owns a room that Dave is in. When Bob turns
 * on "Appear offline", nobody — Dave, nor Bob himself — can tell him from someone offline: the
 * member count ("1/2"), its tooltip, Bob's row (hover text, screen-reader text, dot) and the number
 * of green dots all agree. Screenshots land in test-results/.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from '../harness.js';
import {
  DESKTOP,
  launchBrowser,
  logInOnPage,
  registerAccount,
  screenshot,
  watchPage,
} from './browser-kit.js';

const PASSWORD = 'correct horse battery';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

before(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function account(username: string, name: string): Promise<{ page: Page; id: string }> {
  const userId = await registerAccount(server.httpUrl, { username, password: PASSWORD, name });
  const page = watchPage(await (await browser.newContext(DESKTOP)).newPage());
  await logInOnPage(page, server.httpUrl, username, PASSWORD);
  return { page, id: userId };
}

/** Everything the member list says about who is online, read the way a person (or a screen reader) would. */
async function memberListSays(page: Page, user: string) {
  return page.getByTestId('member-list').evaluate((list, u) => {
    const count = list.querySelector<HTMLElement>('.members__count');
    const row = list.querySelector<HTMLElement>(`[data-testid="member-item"][data-user="${u}"]`);
    const greenDots = [...list.querySelectorAll<HTMLElement>('[data-testid="presence-dot"]')].filter(
      (d) => !d.hidden && d.dataset['state'] !== 'offline' && d.dataset['state'] !== 'unknown',
    ).length;
    return {
      count: count?.textContent ?? null,
      countTitle: count?.title ?? null,
      rowTitle: row?.title ?? null,
      rowSr: row?.querySelector('.sr-only')?.textContent ?? null,
      rowDot: row?.querySelector<HTMLElement>('[data-testid="presence-dot"]')?.dataset['state'] ?? null,
      greenDots,
    };
  }, user);
}

async function waitForCount(page: Page, text: string): Promise<void> {
  await page.getByTestId('member-list').locator('.members__count', { hasText: text }).waitFor();
}

test('appear offline: count, tooltip, hover text, screen-reader text and dots all say offline', async () => {
  const bob = await account('bob', 'Bob');
  const dave = await account('dave', 'Dave');

  await bob.page.getByTestId('create-room').click();
  await bob.page.waitForURL(/\/r\/[A-Za-z0-9_-]+$/);
  const link = await bob.page.getByTestId('room-link').getAttribute('href');
  assert.ok(link);
  await dave.page.goto(link);
  await dave.page.getByTestId('composer').waitFor();
  await waitForCount(dave.page, '2/2');
  await waitForCount(bob.page, '2/2');

  // Bob appears offline.
  const picker = bob.page.getByTestId('status-picker');
  await picker.getByTestId('status-toggle').click();
  await picker.getByRole('dialog', { name: 'Your status' }).getByTestId('status-hidden').check();
  await bob.page.keyboard.press('Escape');
  await picker.getByTestId('status-toggle').filter({ hasText: 'Hidden' }).waitFor();

  await waitForCount(dave.page, '1/2');
  await waitForCount(bob.page, '1/2');
  await screenshot(dave.page, 'appear-offline-dave-sees-bob');
  await screenshot(bob.page, 'appear-offline-bob-himself');

  assert.deepEqual(await memberListSays(dave.page, bob.id), {
    count: '1/2',
    countTitle: '1 online, 2 members',
    rowTitle: 'Bob — offline',
    rowSr: ', offline',
    rowDot: 'offline',
    greenDots: 1,
  });
  assert.deepEqual(await memberListSays(bob.page, bob.id), {
    count: '1/2',
    countTitle: '1 online, 2 members',
    rowTitle: 'Bob (you) — offline',
    rowSr: ', offline',
    rowDot: 'offline',
    greenDots: 1,
  });

  // Back: both see him online again, and the count follows the dots.
  await picker.getByTestId('status-toggle').click();
  await picker.getByRole('dialog', { name: 'Your status' }).getByTestId('status-hidden').uncheck();
  await bob.page.keyboard.press('Escape');
  await waitForCount(dave.page, '2/2');
  const back = await memberListSays(dave.page, bob.id);
  assert.equal(back.rowTitle, 'Bob — online');
  assert.equal(back.greenDots, 2);
});
