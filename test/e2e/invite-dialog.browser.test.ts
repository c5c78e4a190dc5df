/**
 * The invite dialog stays current while it is open, and a room link that leads nowhere says so at
 * once (Debian Chromium against a real server serving packages/web/dist). Alice keeps her invite
 * dialog open while Bob joins with a single-use link and Carol with a multi-use one: the spent
 * link leaves the list and its "Your invite link" box stops offering Copy, the multi-use count
 * goes up, and a revoked link disappears. Everything is called "Multi-use", never "Public".
 * Screenshots land in test-results/.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from '../harness.js';
import { createRoom, launchBrowser, member, newPerson, screenshot } from './browser-kit.js';

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

async function create(page: Page, kind: 'single' | 'public', maxUses?: number): Promise<string> {
  const dialog = page.getByTestId('invite-dialog');
  await dialog.getByTestId(`invite-kind-${kind}`).check();
  if (maxUses !== undefined) await dialog.getByTestId('invite-max-uses').fill(String(maxUses));
  const before = (await dialog.getByTestId('invite-link').count())
    ? await dialog.getByTestId('invite-link').inputValue()
    : '';
  await dialog.getByTestId('invite-create').click();
  await page.waitForFunction((previous) => {
    const input = document.querySelector<HTMLInputElement>('[data-testid="invite-link"]');
    return input !== null && input.value !== '' && input.value !== previous;
  }, before);
  return dialog.getByTestId('invite-link').inputValue();
}

async function joinByInvite(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  await page.getByTestId('invite-room-name').waitFor();
  await page.getByTestId('name-input').fill(name);
  await page.getByTestId('invite-join').click();
  await page.getByTestId('composer').waitFor();
}

test('the open invite dialog follows uses and revocations; one name, "Multi-use"', async () => {
  const alice = await newPerson(browser);
  await createRoom(alice, server.httpUrl, 'Alice');
  await alice.getByTestId('invite-open').click();
  const dialog = alice.getByTestId('invite-dialog');
  await dialog.waitFor();
  const code = (link: string): string => new URL(link).pathname.split('/').pop() ?? '';
  const item = (link: string) => dialog.locator(`[data-testid="invite-item"][data-code="${code(link)}"]`);

  const multi = await create(alice, 'public', 5);
  await item(multi).filter({ hasText: 'Multi-use, 0 of 5 used' }).waitFor();
  const single = await create(alice, 'single');
  await item(single).waitFor();
  const result = dialog.getByTestId('invite-result');
  await result.getByTestId('invite-copy').waitFor();

  // Bob uses the single-use link while Alice's dialog stays open.
  const bob = await newPerson(browser);
  await joinByInvite(bob, single, 'Bob');
  await member(alice, 'Bob').waitFor();
  await item(single).waitFor({ state: 'detached' });
  await result.getByText('This link no longer works').waitFor();
  assert.equal(await result.getByTestId('invite-copy').count(), 0, 'a spent link offers no Copy');
  assert.equal(await item(multi).count(), 1);
  await screenshot(alice, 'invite-dialog-single-used');

  // Carol uses the multi-use link: the count goes up in the open dialog.
  const carol = await newPerson(browser);
  await joinByInvite(carol, multi, 'Carol');
  await item(multi).filter({ hasText: 'Multi-use, 1 of 5 used' }).waitFor();

  // The join page calls it what the dialog calls it.
  const dave = await newPerson(browser);
  await dave.goto(multi);
  assert.match((await dave.getByTestId('invite-kind').textContent()) ?? '', /^Multi-use invite/);

  // Alice revokes it: gone from the list.
  await item(multi).getByTestId('invite-revoke').click();
  await item(multi).waitFor({ state: 'detached' });
  await dialog.getByText('No active invites.').waitFor();
  assert.doesNotMatch((await dialog.textContent()) ?? '', /public/i, 'never called "Public"');
  await screenshot(alice, 'invite-dialog-after-revoke');
});

test('a room that does not exist says "Room not found" before asking for a name', async () => {
  const page = await newPerson(browser);
  await page.goto(`${server.httpUrl}/r/nosuchroom0000000000`);
  const card = page.getByTestId('room-not-found');
  await card.waitFor();
  assert.equal(await card.getByRole('heading').textContent(), 'Room not found');
  assert.equal(await page.getByTestId('name-input').count(), 0, 'no name asked for');
  assert.equal(await page.getByText('You’re invited').count(), 0);
  await screenshot(page, 'room-not-found-at-once');
});
