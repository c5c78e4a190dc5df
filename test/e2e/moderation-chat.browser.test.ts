// test-needs: chromium
/**
 * Chat moderation in the browser, against a real server serving packages/web/dist: slow mode set
 * in the moderation dialog and felt by a member, a chat mute from the person menu, a report that
 * the owner is shown, a moderator's removal kept as "removed by a moderator" after a reload, and a
 * kick that shows the kicked person who removed them, with a "Join again" that works.
 * Then a call mute in a two-person (mesh) call: the muted person's mic button is disabled with a
 * tooltip saying why. Screenshots land in test-results/.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from '../harness.js';
import {
  createRoom,
  enterRoomByLink,
  launchBrowser,
  member,
  messageWith,
  newPerson,
  screenshot,
} from './browser-kit.js';
import { CallBrowsers, joinCall } from './call-pages.js';

const TEST_TIMEOUT = 90_000;

async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByTestId('composer');
  await composer.fill(text);
  await composer.press('Enter');
}

async function personMenu(owner: Page, name: string, item: string): Promise<void> {
  await member(owner, name).getByTestId('member-menu').click();
  await owner.getByTestId('popup-menu').getByTestId(item).click();
}

test(
  'slow mode, chat mute, report and a moderator removal, as the owner and a member see them',
  { timeout: TEST_TIMEOUT },
  async () => {
    const server = await startTestServer();
    let browser: Browser | null = null;
    try {
      browser = await launchBrowser();
      const owner = await newPerson(browser);
      const link = await createRoom(owner, server.httpUrl, 'Olga');
      const bob = await newPerson(browser);
      await enterRoomByLink(bob, link, 'Bob');
      await member(owner, 'Bob').waitFor();

      // Slow mode: one message per 30 s for Bob; the owner is exempt.
      await owner.getByTestId('open-moderation').click();
      const dialog = owner.getByTestId('moderation-dialog');
      await dialog.getByTestId('mod-slow-mode').selectOption('30');
      await owner.waitForFunction(
        () => document.querySelector<HTMLSelectElement>('[data-testid="mod-slow-mode"]')?.value === '30',
      );
      await dialog.getByTestId('moderation-close').click();
      await send(bob, 'first under slow mode');
      await messageWith(owner, 'first under slow mode').waitFor();
      await send(bob, 'second too soon');
      const slowed = bob.locator('[data-testid="message-pending"][data-state="failed"]');
      await slowed.waitFor();
      assert.match((await slowed.getByTestId('pending-error').textContent()) ?? '', /slow mode/i);
      await screenshot(bob, 'moderation-slow-mode');
      assert.equal(await messageWith(owner, 'second too soon').count(), 0);
      await send(owner, 'owner is not slowed 1');
      await send(owner, 'owner is not slowed 2');
      await messageWith(bob, 'owner is not slowed 2').waitFor();
      await slowed.getByTestId('pending-discard').click();
      await owner.getByTestId('open-moderation').click();
      await dialog.getByTestId('mod-slow-mode').selectOption('0');
      await owner.waitForFunction(
        () => document.querySelector<HTMLSelectElement>('[data-testid="mod-slow-mode"]')?.value === '0',
      );
      await dialog.getByTestId('moderation-close').click();

      // Chat mute from the person menu: Bob's message is refused, and says why.
      await personMenu(owner, 'Bob', 'mod-mute-chat');
      await owner.getByTestId('toast').filter({ hasText: 'chat muted' }).waitFor();
      await send(bob, 'can anyone hear me');
      const muted = bob.locator('[data-testid="message-pending"][data-state="failed"]');
      await muted.waitFor();
      assert.match((await muted.getByTestId('pending-error').textContent()) ?? '', /muted you/i);
      await screenshot(bob, 'moderation-chat-muted');
      assert.equal(await messageWith(owner, 'can anyone hear me').count(), 0);
      await muted.getByTestId('pending-discard').click();
      await personMenu(owner, 'Bob', 'mod-unmute-chat');
      await owner.getByTestId('toast').filter({ hasText: 'chat unmuted' }).waitFor();

      // Report: Carol reports Bob's message; the owner is told, Bob is not.
      await send(bob, 'something rude');
      await messageWith(owner, 'something rude').waitFor();
      const carol = await newPerson(browser);
      await enterRoomByLink(carol, link, 'Carol');
      const rude = messageWith(carol, 'something rude');
      await rude.hover();
      carol.once('dialog', (d) => void d.accept('rude to everyone'));
      await rude.getByTestId('report-message').click();
      await carol.getByTestId('toast').filter({ hasText: 'Reported' }).waitFor();
      const seen = owner
        .getByTestId('toast')
        .filter({ hasText: 'Carol reported a message: rude to everyone' });
      await seen.waitFor();
      await screenshot(owner, 'moderation-report-seen');
      assert.equal(await bob.getByTestId('toast').filter({ hasText: 'reported a message' }).count(), 0);

      // The owner removes it: everyone sees "removed by a moderator", also after a reload.
      const onOwner = messageWith(owner, 'something rude');
      await onOwner.hover();
      owner.once('dialog', (d) => void d.accept());
      await onOwner.getByTestId('moderator-delete-message').click();
      await bob.getByTestId('removed-by-moderator').waitFor();
      await carol.getByTestId('removed-by-moderator').waitFor();
      await carol.reload();
      await carol.getByTestId('composer').waitFor();
      await carol.getByTestId('removed-by-moderator').waitFor();
      await screenshot(carol, 'moderation-removed-after-reload');
      assert.equal(await messageWith(carol, 'something rude').count(), 0);

      // A kick: Carol's page says who removed her instead of showing a room she is not in; she
      // may come back with one click.
      owner.once('dialog', (d) => void d.accept());
      await personMenu(owner, 'Carol', 'mod-kick');
      const removed = carol.getByTestId('room-removed');
      await removed.waitFor();
      assert.match((await removed.textContent()) ?? '', /Olga removed you\. You can join again\./);
      assert.equal(await carol.getByTestId('composer').count(), 0, 'no composer for a removed member');
      await member(owner, 'Carol').waitFor({ state: 'detached' });
      await screenshot(carol, 'moderation-kicked');
      await carol.getByTestId('rejoin-room').click();
      await carol.getByTestId('composer').waitFor();
      await member(owner, 'Carol').waitFor();

      // And the owner's audit log has all of it.
      await owner.getByTestId('open-moderation').click();
      for (const action of ['settings', 'mute', 'unmute', 'report', 'message.delete', 'kick']) {
        await dialog.locator(`[data-testid="audit-entry"][data-action="${action}"]`).first().waitFor();
      }
      await screenshot(owner, 'moderation-audit-chat');
    } finally {
      await browser?.close();
      await server.close();
    }
  },
);

test(
  'call mute in a mesh call: the muted person’s mic button is disabled and says why',
  { timeout: TEST_TIMEOUT },
  async () => {
    const server = await startTestServer();
    const browsers = new CallBrowsers();
    try {
      await browsers.launch(1);
      const owner = await browsers.person();
      const link = await createRoom(owner, server.httpUrl, 'Olga');
      const bob = await browsers.person();
      await enterRoomByLink(bob, link, 'Bob');
      await member(owner, 'Bob').waitFor();
      await joinCall(owner);
      await joinCall(bob);
      const mic = bob.getByTestId('toggle-mic');
      await bob.waitForFunction(
        () => document.querySelector('[data-testid="toggle-mic"]')?.getAttribute('aria-pressed') === 'true',
      );
      assert.equal(await mic.isDisabled(), false);

      await personMenu(owner, 'Bob', 'mod-mute-mic');
      await bob.waitForFunction(() => {
        const b = document.querySelector<HTMLButtonElement>('[data-testid="toggle-mic"]');
        return b?.disabled === true && b.getAttribute('aria-pressed') === 'false';
      });
      assert.match((await mic.getAttribute('title')) ?? '', /moderator muted your microphone/);
      await mic.hover({ force: true });
      await screenshot(bob, 'moderation-call-muted-mesh');
      // The owner's side shows Bob's mic off (the server's live.updated).
      await owner.waitForFunction(() =>
        [...document.querySelectorAll('[data-testid="call-tile"]')].some(
          (t) => t.getAttribute('data-self') !== 'true' && t.getAttribute('data-muted') === 'true',
        ),
      );

      await personMenu(owner, 'Bob', 'mod-unmute-mic');
      await bob.waitForFunction(
        () => document.querySelector<HTMLButtonElement>('[data-testid="toggle-mic"]')?.disabled === false,
      );
      await mic.click();
      await bob.waitForFunction(
        () => document.querySelector('[data-testid="toggle-mic"]')?.getAttribute('aria-pressed') === 'true',
      );
    } finally {
      await browsers.close();
      await server.close();
    }
  },
);
