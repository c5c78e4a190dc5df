/**
 * The web app in a real browser (Debian Chromium driven by playwright-core) against a real server
 * that serves packages/web/dist: two people, one link, chat with markdown, typing, reconnection.
 * Screenshots land in test-results/ for a human to look at.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestServer } from '../harness.js';
import {
  createRoomFromLanding,
  DESKTOP,
  enterRoomByLink as joinByLink,
  launchBrowser,
  member,
  messageWith,
  net,
  NETWORK_SWITCH,
  PHONE,
  screenshot,
  watchPage,
} from './browser-kit.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
const contexts: BrowserContext[] = [];

before(async () => {
  server = await startTestServer();
  browser = await launchBrowser();
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
  await server?.close();
});

async function newPage(options: Parameters<Browser['newContext']>[0]): Promise<Page> {
  const context = await browser.newContext(options);
  contexts.push(context);
  return watchPage(await context.newPage());
}

/** A creates a room from the landing page; returns the room link shown in the room. */
async function createRoom(page: Page, name: string): Promise<string> {
  const link = await createRoomFromLanding(page, server.httpUrl, name);
  assert.equal(link, page.url(), 'the link is the room address');
  await page.getByTestId('copy-link').waitFor();
  return link;
}

/** Send from the composer with Enter and wait for the message to show up in the sender's own list. */
async function send(page: Page, text: string, shownAs = text): Promise<void> {
  const composer = page.getByTestId('composer');
  await composer.fill(text);
  await composer.press('Enter');
  await messageWith(page, shownAs).last().waitFor();
}

/** Every member avatar is an image that actually loaded. */
async function avatarsLoaded(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const imgs = [...document.querySelectorAll<HTMLImageElement>('[data-testid="member-item"] img')];
    return imgs.length > 0 && imgs.every((img) => img.complete && img.naturalWidth > 0);
  });
}

test('two people chat through a room link (desktop and phone)', { timeout: 60_000 }, async () => {
  const alice = await newPage(DESKTOP);
  const bob = await newPage(PHONE);

  const link = await createRoom(alice, 'Alice');
  await joinByLink(bob, link, 'Bob');

  // Both see both, with avatars, online.
  for (const page of [alice, bob]) {
    await member(page, 'Alice').waitFor();
    await member(page, 'Bob').waitFor();
    assert.equal(await member(page, 'Bob').getAttribute('data-online'), 'true');
    await page.waitForFunction(() =>
      [...document.querySelectorAll<HTMLImageElement>('[data-testid="member-item"] img')].every(
        (img) => img.complete && img.naturalWidth > 0,
      ),
    );
    assert.ok(await avatarsLoaded(page), 'member avatars load');
  }

  // Markdown is rendered by the server; Bob sees bold text, not asterisks.
  await send(alice, 'Hello Bob, this is **bold** and `code`', 'Hello Bob, this is bold and code');
  const received = messageWith(bob, 'Hello Bob');
  await received.waitFor();
  assert.equal(await received.getByTestId('message-text').locator('strong').textContent(), 'bold');
  assert.equal(await received.getByTestId('message-text').locator('code').textContent(), 'code');
  assert.ok(!(await received.getByTestId('message-text').textContent())?.includes('**'));
  assert.equal(await received.getAttribute('data-own'), 'false');
  assert.equal(await messageWith(alice, 'Hello Bob').getAttribute('data-own'), 'true');
  assert.match((await received.locator('time').first().textContent()) ?? '', /^\d\d:\d\d$/);

  // Bob types: Alice sees the indicator; Bob sends: Alice sees the reply and the indicator goes.
  const composer = bob.getByTestId('composer');
  await composer.click();
  await composer.pressSequentially('Hi Alice, got it', { delay: 20 });
  await alice.getByTestId('typing').filter({ hasText: 'Bob is typing' }).waitFor();
  await screenshot(alice, 'chat-alice-typing-desktop');
  await composer.press('Enter');
  await messageWith(alice, 'Hi Alice, got it').waitFor();
  await alice.waitForFunction(
    () => (document.querySelector('[data-testid="typing"]')?.textContent ?? '').trim() === '',
  );
  assert.equal(await messageWith(bob, 'Hi Alice, got it').getAttribute('data-own'), 'true');
  assert.equal(await alice.getByTestId('conn-banner').isVisible(), false);

  await screenshot(alice, 'chat-alice-desktop');
  await screenshot(bob, 'chat-bob-phone');
});

async function messageTexts(page: Page): Promise<string[]> {
  return page.getByTestId('message-list').getByTestId('message-text').allTextContents();
}

test(
  'a dropped connection shows a banner, recovers missed messages exactly once, and a reload keeps the identity',
  {
    timeout: 90_000,
  },
  async () => {
    const alice = await newPage(DESKTOP);
    await alice.context().addInitScript({ content: NETWORK_SWITCH });
    const bob = await newPage(DESKTOP);

    const link = await createRoom(alice, 'Alice');
    await joinByLink(bob, link, 'Bob');
    await member(alice, 'Bob').waitFor();
    await send(alice, 'before the drop');
    await messageWith(bob, 'before the drop').waitFor();

    // Cut Alice off: the banner says so; Bob keeps talking; Alice writes while offline.
    await net(alice, 'drop');
    await alice.getByTestId('conn-banner').filter({ hasText: 'Reconnecting' }).waitFor();
    for (const n of [1, 2, 3]) await send(bob, `missed ${n}`);
    const offline = alice.getByTestId('composer');
    await offline.fill('written while offline');
    await offline.press('Enter');
    await screenshot(alice, 'reconnect-alice-offline');

    // Back online: banner gone, the missed messages appear once and in order, the offline one is sent once.
    await net(alice, 'restore');
    await alice.getByTestId('conn-banner').waitFor({ state: 'hidden', timeout: 20_000 });
    await messageWith(alice, 'missed 3').waitFor();
    await messageWith(bob, 'written while offline').waitFor();
    // A duplicate (or a leave notice) would be ordered before a message sent now: once both see
    // it, what they show is final.
    await send(alice, 'after the reconnect');
    await messageWith(bob, 'after the reconnect').waitFor();
    await messageWith(alice, 'after the reconnect').waitFor();
    const seenByAlice = await messageTexts(alice);
    const seenByBob = await messageTexts(bob);
    const expected = ['before the drop', 'missed 1', 'missed 2', 'missed 3'];
    assert.deepEqual(
      seenByAlice.filter((t) => expected.includes(t)),
      expected,
      'Alice sees every missed message once, in order',
    );
    assert.equal(seenByAlice.filter((t) => t === 'written while offline').length, 1);
    assert.equal(
      seenByBob.filter((t) => t === 'written while offline').length,
      1,
      'sent once despite the drop',
    );
    // Within the grace period the session resumed: Bob never saw Alice leave.
    assert.equal(await member(bob, 'Alice').getAttribute('data-online'), 'true');
    assert.equal(await bob.getByTestId('notice').filter({ hasText: 'Alice left' }).count(), 0);

    // A reload resumes the same identity from sessionStorage: Alice's messages are still hers.
    await alice.reload();
    await messageWith(alice, 'after the reconnect').waitFor();
    assert.equal(await messageWith(alice, 'after the reconnect').getAttribute('data-own'), 'true');
    assert.equal(await messageWith(alice, 'before the drop').getAttribute('data-own'), 'true');
    await bob.waitForTimeout(500);
    assert.equal(await member(bob, 'Alice').count(), 1, 'no duplicate member after the reload');
    assert.equal(await alice.getByTestId('conn-banner').isVisible(), false);

    await screenshot(alice, 'reconnect-alice-after');
    await screenshot(bob, 'reconnect-bob-after');
  },
);
