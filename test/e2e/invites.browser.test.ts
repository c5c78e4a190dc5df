/**
 * Invites and accounts in a real browser (Debian Chromium driven by playwright-core) against a real
 * server that serves packages/web/dist: an invite-only room, a single-use invite that admits one
 * person, a multi-use invite that admits several until it is revoked, the join page's preview and its
 * refusals; and a local account that registers, logs out, logs in again (also after a password
 * change) and appears under its own name in a room. Screenshots land in test-results/.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { startTestServer } from '../harness.js';
import {
  createRoom,
  DESKTOP,
  launchBrowser,
  member,
  messageWith,
  newPerson,
  PHONE,
  screenshot,
  WAIT,
} from './browser-kit.js';

const TEST_TIMEOUT = 60_000;
const PASSWORD = 'correct horse battery';

// ---------------------------------------------------------------------------------------------
// What a person does in the app

/** Name the open room and choose who can join, in the room's settings dialog. */
async function roomSettings(
  page: Page,
  name: string,
  visibility: 'public' | 'link' | 'private',
  shot?: string,
): Promise<void> {
  await page.getByTestId('name-room').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('room-name-input').fill(name);
  const radio = {
    public: 'room-public-input',
    link: 'room-visibility-link',
    private: 'room-visibility-private',
  };
  await dialog.getByTestId(radio[visibility]).check();
  if (shot) {
    await page.waitForTimeout(300); // the choice's highlight fades in
    await screenshot(page, shot);
  }
  await dialog.getByTestId('room-name-save').click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByTestId('room-title').filter({ hasText: name }).waitFor();
}

/** Open the invite dialog, create an invite, return its link (the dialog stays open). */
async function createInvite(
  page: Page,
  opts: { kind: 'single' | 'public'; maxUses?: number; expiry?: string },
): Promise<string> {
  const dialog = page.getByTestId('invite-dialog');
  if (!(await dialog.isVisible())) await page.getByTestId('invite-open').click();
  await dialog.waitFor();
  await dialog.getByTestId(`invite-kind-${opts.kind}`).check();
  if (opts.maxUses !== undefined) await dialog.getByTestId('invite-max-uses').fill(String(opts.maxUses));
  if (opts.expiry !== undefined)
    await dialog.getByTestId('invite-expiry').selectOption({ label: opts.expiry });
  const result = dialog.getByTestId('invite-link');
  const before = (await result.isVisible()) ? await result.inputValue() : '';
  await dialog.getByTestId('invite-create').click();
  await page.waitForFunction((previous) => {
    const input = document.querySelector<HTMLInputElement>('[data-testid="invite-link"]');
    return input !== null && input.value !== '' && input.value !== previous;
  }, before);
  return result.inputValue();
}

async function closeInviteDialog(page: Page): Promise<void> {
  const dialog = page.getByTestId('invite-dialog');
  await dialog.getByTestId('invite-close').click();
  await dialog.waitFor({ state: 'detached' });
}

/** Open an invite link, check the preview is there, give a name (guests) and press Join. */
async function openInvite(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await page.getByTestId('invite-room-name').waitFor();
}

async function joinWithName(page: Page, name: string): Promise<void> {
  await page.getByTestId('name-input').fill(name);
  await page.getByTestId('invite-join').click();
}

async function refusal(page: Page): Promise<string> {
  const card = page.getByTestId('invite-invalid');
  await card.waitFor();
  return (await card.getByTestId('invite-invalid-text').textContent()) ?? '';
}

async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByTestId('composer');
  await composer.fill(text);
  await composer.press('Enter');
  await messageWith(page, text).waitFor();
}

/** Submit the account dialog's form and wait until the answer came back (the button is enabled again or gone). */
async function submitAccount(page: Page): Promise<void> {
  await page.getByTestId('account-submit').click();
  // Polled by time, not animation frames: those stop in a background tab.
  await page.waitForFunction(
    () => {
      const button = document.querySelector<HTMLButtonElement>('[data-testid="account-submit"]');
      return button === null || !button.disabled;
    },
    undefined,
    { polling: 50 },
  );
}

async function accountError(page: Page): Promise<string> {
  const error = page.getByTestId('account-dialog').getByTestId('account-error');
  await error.waitFor();
  return (await error.textContent()) ?? '';
}

async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByTestId('account-login').click();
  const dialog = page.getByTestId('account-dialog');
  await dialog.getByTestId('account-username').fill(username);
  await dialog.getByTestId('account-password').fill(password);
  await submitAccount(page);
}

async function logOut(page: Page): Promise<void> {
  await page.getByTestId('account-menu').click();
  await page.getByTestId('account-logout').click();
  await page.getByTestId('account-login').waitFor();
}

// ---------------------------------------------------------------------------------------------

test(
  'an invite-only room: a single-use invite admits one person, a multi-use invite several until it is revoked',
  { timeout: TEST_TIMEOUT },
  async () => {
    const browser = await launchBrowser();
    const server = await startTestServer();
    try {
      // Alice creates a room and makes it invite-only.
      const alice = await newPerson(browser);
      const roomLink = await createRoom(alice, server.httpUrl, 'Alice');
      const roomPath = new URL(roomLink).pathname;
      await roomSettings(alice, 'Design review', 'link');
      assert.equal(await alice.getByTestId('room-kind').textContent(), 'Saved');
      await roomSettings(alice, 'Design review', 'private', 'invites-room-settings');
      assert.equal(await alice.getByTestId('room-kind').textContent(), 'Invite only');
      await alice.getByTestId('notice').filter({ hasText: 'Alice made the room invite-only' }).waitFor();

      // Without an invite the room link lets nobody in. A new visitor's preview cannot tell a
      // private room from none (the server answers 404 for both): the card says it may be either.
      // A returning visitor who has a name already is refused on joining: invite-only.
      const stranger = await newPerson(browser);
      await stranger.goto(`${server.httpUrl}${roomPath}`);
      await stranger
        .getByTestId('room-not-found')
        .getByText(/or it is invite-only/)
        .waitFor();
      assert.equal(await stranger.getByTestId('composer').count(), 0);
      assert.equal(await stranger.getByTestId('name-input').count(), 0);
      const returning = await newPerson(browser);
      await returning.addInitScript(() => localStorage.setItem('presence.name', 'Rita'));
      await returning.goto(`${server.httpUrl}${roomPath}`);
      await returning.getByTestId('room-invite-only').getByText('This room is invite-only').waitFor();
      await screenshot(returning, 'invites-room-invite-only');

      // A single-use invite.
      const single = await createInvite(alice, { kind: 'single' });
      assert.match(single, new RegExp(`^${server.httpUrl}/i/[A-Za-z0-9_-]{22}$`));
      const listed = alice.getByTestId('invite-dialog').getByTestId('invite-item');
      await listed.first().waitFor();
      assert.equal(await listed.count(), 1, 'the owner sees the new invite in the list');
      assert.match((await listed.first().textContent()) ?? '', /Single-use/);
      await screenshot(alice, 'invites-dialog-single');
      await closeInviteDialog(alice);

      // Bob (on a phone) and Carol both open the link: the preview, without joining.
      const bob = await newPerson(browser, PHONE);
      const carol = await newPerson(browser);
      for (const page of [bob, carol]) {
        await openInvite(page, single);
        assert.equal(await page.getByTestId('invite-room-name').textContent(), 'Design review');
        assert.match((await page.getByTestId('invite-from').textContent()) ?? '', /Alice invited you/);
        assert.match((await page.getByTestId('invite-kind').textContent()) ?? '', /Single-use/);
        assert.equal(await page.getByTestId('invite-expiry').textContent(), 'Never expires');
        assert.match((await page.getByTestId('invite-members').textContent()) ?? '', /1 member\b/);
      }
      await screenshot(bob, 'invites-preview-bob-phone');
      assert.equal(await member(alice, 'Bob').count(), 0, 'a preview does not join');

      // Bob joins and chats.
      await joinWithName(bob, 'Bob');
      await bob.waitForURL(`${server.httpUrl}${roomPath}`);
      await bob.getByTestId('composer').waitFor();
      assert.equal(await bob.getByTestId('room-title').textContent(), 'Design review');
      await member(alice, 'Bob').waitFor();
      await send(bob, 'Hi Alice, thanks for the invite');
      await messageWith(alice, 'Hi Alice, thanks for the invite').waitFor();
      await send(alice, 'Welcome, Bob!');
      await messageWith(bob, 'Welcome, Bob!').waitFor();
      await screenshot(bob, 'invites-bob-joined-phone');
      // Bob is a guest in a named room: guests do not invite.
      assert.equal(await bob.getByTestId('invite-open').isVisible(), false);

      // Carol had the page open already; her Join is refused: the invite is used up.
      await joinWithName(carol, 'Carol');
      assert.match(await refusal(carol), /This invite has already been used/);
      assert.equal((await carol.getByTestId('invite-invalid').getAttribute('data-reason')) ?? '', 'used_up');
      await screenshot(carol, 'invites-refused-used-up');
      // And the link says so from the start once it is spent.
      await carol.reload();
      assert.match(await refusal(carol), /This invite has already been used/);
      assert.equal(await member(alice, 'Carol').count(), 0);

      // A multi-use invite: Dave and Erin join through it, Fiona opens it but waits.
      const shared = await createInvite(alice, { kind: 'public', expiry: 'In 1 day' });
      assert.notEqual(shared, single);
      const dave = await newPerson(browser);
      const erin = await newPerson(browser);
      const fiona = await newPerson(browser);
      for (const [page, name] of [
        [dave, 'Dave'],
        [erin, 'Erin'],
      ] as const) {
        await openInvite(page, shared);
        assert.match((await page.getByTestId('invite-kind').textContent()) ?? '', /anyone with this link/);
        assert.match(
          (await page.getByTestId('invite-expiry').textContent()) ?? '',
          /^Expires in (24 hours|1 day)$/,
        );
        await joinWithName(page, name);
        await page.getByTestId('composer').waitFor();
        await member(alice, name).waitFor();
      }
      await send(erin, 'Erin here too');
      await messageWith(dave, 'Erin here too').waitFor();
      await openInvite(fiona, shared);

      // Alice reopens the dialog: the multi-use invite was used twice; she revokes it.
      await closeInviteDialog(alice);
      await alice.getByTestId('invite-open').click();
      const item = alice.getByTestId('invite-dialog').getByTestId('invite-item');
      await item.filter({ hasText: 'used 2 times' }).waitFor();
      assert.equal(await item.count(), 1, 'the spent single-use invite is no longer listed');
      await screenshot(alice, 'invites-dialog-public-used');
      await item.getByTestId('invite-revoke').click();
      await item.waitFor({ state: 'detached' });
      await alice.getByTestId('invite-dialog').getByText('No active invites.').waitFor();
      await closeInviteDialog(alice);

      // Fiona presses Join on the page she opened before: revoked.
      await joinWithName(fiona, 'Fiona');
      assert.match(await refusal(fiona), /revoked/);
      assert.equal((await fiona.getByTestId('invite-invalid').getAttribute('data-reason')) ?? '', 'revoked');
      await screenshot(fiona, 'invites-refused-revoked');
      assert.equal(await member(alice, 'Fiona').count(), 0);

      // Whom the invites let in stay members.
      for (const name of ['Bob', 'Dave', 'Erin']) await member(alice, name).waitFor();
      await screenshot(alice, 'invites-room-alice');

      // An invite that never existed.
      await fiona.goto(`${server.httpUrl}/i/nosuchinvitecode0000000`);
      assert.match(await refusal(fiona), /This invite does not exist or its room is gone/);
    } finally {
      await browser.close();
      await server.close();
    }
  },
);

test(
  'accounts: register, log out, log in again (and after a password change); the name shows in the room',
  { timeout: TEST_TIMEOUT },
  async () => {
    const browser = await launchBrowser();
    const server = await startTestServer();
    try {
      // Ada registers from the start page, without being a guest first.
      const ada = await newPerson(browser);
      await ada.goto(server.httpUrl);
      await ada.getByTestId('account-login').click();
      const dialog = ada.getByTestId('account-dialog');
      await dialog.getByTestId('account-switch').click();
      await dialog.getByRole('heading', { name: 'Create an account' }).waitFor();
      await dialog.getByTestId('account-username').fill('ada');
      await dialog.getByTestId('account-name').fill('Ada Lovelace');
      await dialog.getByTestId('account-password').fill(PASSWORD);
      await dialog.getByTestId('account-password2').fill('a different one');
      await submitAccount(ada);
      assert.equal(await accountError(ada), 'The two passwords are not the same.');
      await dialog.getByTestId('account-password2').fill(PASSWORD);
      await submitAccount(ada);
      await dialog.waitFor({ state: 'detached' });
      await ada.getByTestId('me').filter({ hasText: 'Ada Lovelace' }).waitFor();
      await ada.getByTestId('account-menu').waitFor();

      // The name field on the start page is the account's, read-only; she creates a room.
      const nameInput = ada.getByTestId('name-input');
      assert.equal(await nameInput.inputValue(), 'Ada Lovelace');
      assert.equal(await nameInput.getAttribute('readonly'), '');
      await screenshot(ada, 'accounts-landing-logged-in');
      const link = await createRoom(ada, server.httpUrl, null);
      const me = member(ada, 'Ada Lovelace');
      await me.waitFor();
      assert.match((await me.getAttribute('data-user')) ?? '', /^ada@/);
      assert.match((await me.textContent()) ?? '', /\(you\)/);

      // Bob, a guest, joins by the room link and sees her account's name.
      const bob = await newPerson(browser);
      await bob.goto(link);
      await bob.getByTestId('name-input').fill('Bob');
      await bob.getByTestId('join-room').click();
      await bob.getByTestId('composer').waitFor();
      const adaForBob = member(bob, 'Ada Lovelace');
      await adaForBob.waitFor();
      assert.match((await adaForBob.getAttribute('data-user')) ?? '', /^ada@/);

      // The username is taken for anyone else.
      const copycat = await newPerson(browser);
      await copycat.goto(server.httpUrl);
      await copycat.getByTestId('account-login').click();
      await copycat.getByTestId('account-switch').click();
      await copycat.getByTestId('account-username').fill('Ada');
      await copycat.getByTestId('account-name').fill('Not Ada');
      await copycat.getByTestId('account-password').fill(PASSWORD);
      await copycat.getByTestId('account-password2').fill(PASSWORD);
      await submitAccount(copycat);
      assert.match(await accountError(copycat), /This username is taken/);
      await screenshot(copycat, 'accounts-username-taken');

      // The account menu; log out: the page offers to join the room again (as a guest), and
      // nothing joins by itself: Bob's member list gets no new row (issue 11 item 1).
      const bobsMembers = (): Promise<string[]> =>
        bob
          .getByTestId('member-list')
          .getByTestId('member-item')
          .evaluateAll((rows) => rows.map((li) => (li as HTMLElement).dataset['user'] ?? ''));
      const membersBefore = await bobsMembers();
      await ada.getByTestId('account-menu').click();
      await ada.getByTestId('account-who').filter({ hasText: 'Ada Lovelace' }).waitFor();
      await screenshot(ada, 'accounts-menu-open');
      await ada.getByTestId('account-logout').click();
      await ada.getByTestId('account-login').waitFor();
      await ada.getByTestId('join-prompt').waitFor();
      assert.equal(await ada.getByTestId('name-input').inputValue(), 'Ada Lovelace');
      assert.equal(await ada.getByTestId('composer').count(), 0);
      await screenshot(ada, 'accounts-logged-out');
      // A message through the room after the logout has settled: a join it had caused would have
      // reached Bob before it.
      await send(bob, 'Ada logged out');
      await messageWith(bob, 'Ada logged out').waitFor();
      const membersAfter = await bobsMembers();
      assert.deepEqual(
        membersAfter.filter((id) => !membersBefore.includes(id)),
        [],
        `no new member after the logout (before ${membersBefore.join(', ')}; after ${membersAfter.join(', ')})`,
      );

      // Wrong password, then too many failed attempts for another name.
      await logIn(ada, 'ada', 'not the password');
      assert.equal(await accountError(ada), 'Wrong username or password.');
      const dialogAgain = ada.getByTestId('account-dialog');
      await dialogAgain.getByTestId('account-username').fill('nobody');
      for (let i = 0; i < 5; i++) {
        await dialogAgain.getByTestId('account-password').fill(`guess number ${i}`);
        await submitAccount(ada);
        assert.equal(await accountError(ada), 'Wrong username or password.');
      }
      await dialogAgain.getByTestId('account-password').fill('one more guess');
      await submitAccount(ada);
      assert.match(await accountError(ada), /^Too many failed attempts\. Try again in 15 minutes\.$/);
      await screenshot(ada, 'accounts-rate-limited');

      // The right password: the room shows her account again.
      await dialogAgain.getByTestId('account-username').fill('ada');
      await dialogAgain.getByTestId('account-password').fill(PASSWORD);
      await submitAccount(ada);
      await dialogAgain.waitFor({ state: 'detached' });
      await ada.getByTestId('account-menu').waitFor();
      await ada.getByTestId('composer').waitFor();
      await ada.waitForFunction(() =>
        [...document.querySelectorAll<HTMLElement>('[data-testid="member-item"]')].some(
          (li) => li.dataset['user']?.startsWith('ada@') && li.textContent?.includes('(you)'),
        ),
      );
      await send(ada, 'Back with my account');
      await messageWith(bob, 'Back with my account').waitFor();
      await screenshot(ada, 'accounts-room-logged-in');

      // Change the password (a wrong current one first), log out, log in with the new one.
      await ada.getByTestId('account-menu').click();
      await ada.getByTestId('account-change-password').click();
      const pw = ada.getByTestId('password-dialog');
      await pw.getByTestId('password-old').fill('wrong current password');
      await pw.getByTestId('password-new').fill('a brand new passphrase');
      await pw.getByTestId('password-new2').fill('a brand new passphrase');
      await pw.getByTestId('password-save').click();
      await pw.getByTestId('password-error').filter({ hasText: 'The current password is wrong.' }).waitFor();
      await pw.getByTestId('password-old').fill(PASSWORD);
      await pw.getByTestId('password-save').click();
      await pw.waitFor({ state: 'detached' });
      await ada.getByTestId('toast').filter({ hasText: 'Your password was changed.' }).waitFor();
      await send(ada, 'Still here after the change');
      await messageWith(bob, 'Still here after the change').waitFor();

      await logOut(ada);
      await logIn(ada, 'ada', PASSWORD);
      assert.equal(await accountError(ada), 'Wrong username or password.');
      await ada.getByTestId('account-dialog').getByTestId('account-password').fill('a brand new passphrase');
      await submitAccount(ada);
      await ada.getByTestId('account-dialog').waitFor({ state: 'detached' });
      await ada.getByTestId('account-menu').waitFor();
      await ada.getByTestId('me').filter({ hasText: 'Ada Lovelace' }).waitFor();

      // A reload keeps her logged in.
      await ada.reload();
      await ada.getByTestId('account-menu').waitFor();
      await ada.waitForFunction(() =>
        [...document.querySelectorAll<HTMLElement>('[data-testid="member-item"]')].some(
          (li) => li.dataset['user']?.startsWith('ada@') && li.textContent?.includes('(you)'),
        ),
      );
    } finally {
      await browser.close();
      await server.close();
    }
  },
);

test(
  'a login and a logout in one tab reach the other tabs of the browser',
  { timeout: TEST_TIMEOUT },
  async () => {
    const browser = await launchBrowser();
    const server = await startTestServer();
    try {
      const registered = await fetch(`${server.httpUrl}/api/accounts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'grace', password: PASSWORD, name: 'Grace Hopper' }),
      });
      assert.equal(registered.status, 201);

      // Two tabs of one browser (shared localStorage, a session each), both in the same room as guests.
      const context = await browser.newContext(DESKTOP);
      const first = await context.newPage();
      const second = await context.newPage();
      for (const page of [first, second]) page.setDefaultTimeout(WAIT);
      const link = await createRoom(first, server.httpUrl, 'Visitor');
      await second.goto(link);
      await second.getByTestId('composer').waitFor();
      await second.getByTestId('account-login').waitFor();

      const meIn = (page: Page, prefix: string): Promise<unknown> =>
        page.waitForFunction(
          (p) =>
            [...document.querySelectorAll<HTMLElement>('[data-testid="member-item"]')].some(
              (li) => li.dataset['user']?.startsWith(p) && li.textContent?.includes('(you)'),
            ),
          prefix,
          { polling: 50 },
        );

      await first.bringToFront();
      await logIn(first, 'grace', PASSWORD);
      await first.getByTestId('account-menu').waitFor();
      await meIn(first, 'grace@');
      // The other tab follows by itself.
      await second.getByTestId('account-menu').waitFor();
      await second.getByTestId('me').filter({ hasText: 'Grace Hopper' }).waitFor();
      await meIn(second, 'grace@');

      // A password change ends every older token, the other tab's included: on its next connect
      // (a reload here) it is refused, and the tab carries on with the account's new login token.
      await first.getByTestId('account-menu').click();
      await first.getByTestId('account-change-password').click();
      await first.getByTestId('password-old').fill(PASSWORD);
      await first.getByTestId('password-new').fill('an even longer passphrase');
      await first.getByTestId('password-new2').fill('an even longer passphrase');
      await first.getByTestId('password-save').click();
      await first.getByTestId('password-dialog').waitFor({ state: 'detached' });
      await second.bringToFront();
      await second.reload();
      await second.getByTestId('account-menu').waitFor();
      await meIn(second, 'grace@');
      await first.bringToFront();

      // A logout in one tab logs out the other too; neither joins the room again as a guest by itself.
      await logOut(first);
      await second.getByTestId('account-login').waitFor();
      await first.getByTestId('join-prompt').waitFor();
      await second.getByTestId('join-prompt').waitFor();
    } finally {
      await browser.close();
      await server.close();
    }
  },
);
