// test-needs: chromium
/**
 * Moderation in the browser, against a real server serving packages/web/dist: an owner bans a
 * guest from the person menu and the guest stays out (same browser by its guest key; a fresh
 * browser by address when the owner asked for it), and the lobby: a knock admitted, a knock
 * denied, each side seeing it. Screenshots land in test-results/.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from '../harness.js';
import {
  createRoom,
  launchBrowser,
  member,
  messageWith,
  newPerson,
  screenshot,
  watchPage,
} from './browser-kit.js';

const TEST_TIMEOUT = 60_000;

/** Open the room link in a browser with no name yet: give one and join (or stop at what comes instead). */
async function arrive(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  await page.getByTestId('name-input').fill(name);
  await page.getByTestId('join-room').click();
}

/** The owner bans `name` through the person menu's ban dialog. */
async function ban(owner: Page, name: string, opts: { byAddress: boolean; reason: string }): Promise<void> {
  await member(owner, name).getByTestId('member-menu').click();
  await owner.getByTestId('popup-menu').getByTestId('mod-ban').click();
  const dialog = owner.getByTestId('ban-dialog');
  await dialog.getByTestId('ban-reason').fill(opts.reason);
  await dialog.getByTestId('ban-address').setChecked(opts.byAddress);
  await dialog.getByTestId('ban-confirm').click();
  await dialog.waitFor({ state: 'detached' });
  await member(owner, name).waitFor({ state: 'detached' });
}

async function newTabIn(page: Page): Promise<Page> {
  return watchPage(await page.context().newPage());
}

test(
  'a banned guest is refused: again in the same browser (guest key), and from a fresh browser when banned by address',
  { timeout: TEST_TIMEOUT },
  async () => {
    const server = await startTestServer();
    let browser: Browser | null = null;
    try {
      browser = await launchBrowser();
      const owner = await newPerson(browser);
      const link = await createRoom(owner, server.httpUrl, 'Olga');

      const mallory = await newPerson(browser);
      await arrive(mallory, link, 'Mallory');
      await mallory.getByTestId('composer').waitFor();
      await member(owner, 'Mallory').waitFor();
      await ban(owner, 'Mallory', { byAddress: false, reason: 'spam' });
      // Mallory's page is told at once and shows why.
      await mallory.getByTestId('room-banned').waitFor();
      assert.match((await mallory.getByTestId('room-banned').textContent()) ?? '', /banned.*spam/);
      await screenshot(mallory, 'moderation-banned');

      // A new tab is a new guest (a new user id), but the same browser: its guest key is banned.
      const sameBrowser = await newTabIn(mallory);
      await sameBrowser.goto(link);
      await sameBrowser.getByTestId('room-banned').waitFor();

      // A fresh browser (new key) was not banned by address: it gets in...
      const fresh = await newPerson(browser);
      await arrive(fresh, link, 'Mallory2');
      await fresh.getByTestId('composer').waitFor();
      // ...until the owner bans that one by address: then no fresh browser from there gets in.
      await ban(owner, 'Mallory2', { byAddress: true, reason: 'ban evasion' });
      await fresh.getByTestId('room-banned').waitFor();
      const third = await newPerson(browser);
      await arrive(third, link, 'Mallory3');
      await third.getByTestId('room-banned').waitFor();
      await screenshot(third, 'moderation-banned-fresh-browser');
      assert.equal(await third.getByTestId('composer').count(), 0);

      // The owner's audit log has both bans.
      await owner.getByTestId('open-moderation').click();
      const dialog = owner.getByTestId('moderation-dialog');
      await dialog.getByTestId('audit-entry').nth(1).waitFor();
      assert.equal(await dialog.locator('[data-testid="audit-entry"][data-action="ban"]').count(), 2);
      assert.equal(await dialog.getByTestId('ban').count(), 2);
      await screenshot(owner, 'moderation-dialog');
    } finally {
      await browser?.close();
      await server.close();
    }
  },
);

test(
  'lobby: a knock the owner admits gets in; a knock the owner denies is told so',
  { timeout: TEST_TIMEOUT },
  async () => {
    const server = await startTestServer();
    let browser: Browser | null = null;
    try {
      browser = await launchBrowser();
      const owner = await newPerson(browser);
      const link = await createRoom(owner, server.httpUrl, 'Olga');
      await owner.getByTestId('open-moderation').click();
      const dialog = owner.getByTestId('moderation-dialog');
      await dialog.getByTestId('mod-lobby').check();
      await dialog.getByTestId('mod-password').waitFor();
      // The setting is the server's answer, not the checkbox's own state.
      await owner.waitForFunction(
        () => document.querySelector<HTMLInputElement>('[data-testid="mod-lobby"]')?.checked === true,
      );
      await dialog.getByTestId('moderation-close').click();

      const dave = await newPerson(browser);
      await arrive(dave, link, 'Dave');
      await dave.getByTestId('room-lobby').waitFor();
      await dave.getByTestId('lobby-knock').click();
      await dave.locator('[data-testid="room-lobby"][data-state="waiting"]').waitFor();
      await screenshot(dave, 'moderation-lobby-waiting');
      const knock = owner.getByTestId('knock-list').getByTestId('knock').filter({ hasText: 'Dave' });
      await knock.waitFor();
      await screenshot(owner, 'moderation-knock-list');
      await knock.getByTestId('knock-admit').click();
      await dave.getByTestId('composer').waitFor();
      await member(owner, 'Dave').waitFor();

      const eve = await newPerson(browser);
      await arrive(eve, link, 'Eve');
      await eve.getByTestId('lobby-knock').click();
      const eveKnock = owner.getByTestId('knock').filter({ hasText: 'Eve' });
      await eveKnock.getByTestId('knock-deny').click();
      await eve.locator('[data-testid="room-lobby"][data-state="denied"]').waitFor();
      assert.match((await eve.getByTestId('lobby-status').textContent()) ?? '', /declined/);
      await screenshot(eve, 'moderation-lobby-denied');
      assert.equal(await eve.getByTestId('composer').count(), 0);
      await eveKnock.waitFor({ state: 'detached' });

      // Dave, admitted, is in the room for real: his message reaches the owner.
      const composer = dave.getByTestId('composer');
      await composer.fill('thanks for letting me in');
      await composer.press('Enter');
      await messageWith(owner, 'thanks for letting me in').waitFor();
    } finally {
      await browser?.close();
      await server.close();
    }
  },
);
