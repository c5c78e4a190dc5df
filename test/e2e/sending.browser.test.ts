/**
 * Sending in a real browser (Debian Chromium against a real server serving packages/web/dist)
 * when things go wrong. Alice loses her network: the app says she is offline within 2 s, what
 * she sends stays in the timeline as "not sent yet" (the composer is cleared, nothing comes back
 * into it), and it goes, once, when the network is back. Then she sends 40 messages as fast as
 * she can type: Bob gets all 40 in order, and Alice never sees more than one notice at a time.
 * Screenshots land in test-results/.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from '../harness.js';
import {
  createRoom,
  enterRoomByLink,
  launchBrowser,
  messageWith,
  net,
  NETWORK_SWITCH,
  newPerson,
  screenshot,
} from './browser-kit.js';

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

async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByTestId('composer');
  await composer.fill(text);
  await composer.press('Enter');
}

/** How many messages with exactly this text the page shows (sent ones, not pending). */
function countMessages(page: Page, text: string): Promise<number> {
  return page.evaluate(
    (t) =>
      [...document.querySelectorAll('[data-testid="message"] .msg__text')].filter(
        (el) => el.textContent?.trim() === t,
      ).length,
    text,
  );
}

test('offline: shown within 2 s; a message sent meanwhile stays pending and goes once when back', async () => {
  const alice = await newPerson(browser);
  await alice.addInitScript(NETWORK_SWITCH);
  const link = await createRoom(alice, server.httpUrl, 'Alice');
  const bob = await newPerson(browser);
  await enterRoomByLink(bob, link, 'Bob');

  const cut = Date.now();
  await alice.context().setOffline(true);
  await net(alice, 'drop');
  await alice.locator('[data-testid="conn-banner"][data-state="offline"]').waitFor({ timeout: 2_000 });
  assert.ok(Date.now() - cut < 2_000, 'offline shown within 2 s');

  await send(alice, 'Sent while offline');
  const pending = alice.locator('[data-testid="message-pending"][data-state="waiting"]', {
    hasText: 'Sent while offline',
  });
  await pending.waitFor();
  assert.equal(await alice.getByTestId('composer').inputValue(), '', 'not put back into the composer');
  await screenshot(alice, 'sending-offline-pending');

  await net(alice, 'restore');
  await alice.context().setOffline(false);
  await messageWith(bob, 'Sent while offline').waitFor();
  await messageWith(alice, 'Sent while offline').waitFor();
  await pending.waitFor({ state: 'detached' });
  // A later message, sent after it, arrives after it: then the first is known to be there once.
  await send(alice, 'And this one after');
  await messageWith(bob, 'And this one after').waitFor();
  assert.equal(await countMessages(bob, 'Sent while offline'), 1);
  assert.equal(await countMessages(alice, 'Sent while offline'), 1);
  await alice.locator('[data-testid="conn-banner"]').waitFor({ state: 'hidden' });
});

test('40 messages sent fast: all arrive in order, and failures never stack up as notices', async () => {
  const alice = await newPerson(browser);
  const link = await createRoom(alice, server.httpUrl, 'Alice');
  const bob = await newPerson(browser);
  await enterRoomByLink(bob, link, 'Bob');
  // Count the most notices ever on screen at once.
  await alice.evaluate(() => {
    const w = window as unknown as { maxToasts: number };
    w.maxToasts = 0;
    new MutationObserver(() => {
      w.maxToasts = Math.max(w.maxToasts, document.querySelectorAll('[data-testid="toast"]').length);
    }).observe(document.body, { childList: true, subtree: true });
  });

  const texts = Array.from({ length: 40 }, (_, i) => `fast ${i + 1}`);
  for (const text of texts) await send(alice, text);
  await screenshot(alice, 'sending-fast-alice');
  await messageWith(bob, 'fast 40').waitFor({ timeout: 30_000 });
  await bob.waitForFunction(
    (n) => document.querySelectorAll('[data-testid="message"] .msg__text').length >= n,
    texts.length,
    { timeout: 30_000 },
  );
  const seen = await bob.evaluate(() =>
    [...document.querySelectorAll('[data-testid="message"] .msg__text')]
      .map((el) => el.textContent?.trim() ?? '')
      .filter((t) => t.startsWith('fast ')),
  );
  assert.deepEqual(seen, texts, 'every message, once, in order');
  await alice
    .locator('[data-testid="message-pending"]')
    .first()
    .waitFor({ state: 'detached', timeout: 30_000 });
  const maxToasts = await alice.evaluate(() => (window as unknown as { maxToasts: number }).maxToasts);
  assert.ok(maxToasts <= 1, `at most one notice at a time (saw ${maxToasts})`);
});
