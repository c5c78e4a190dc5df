/**
 * Rooms in a real browser (Debian Chromium driven by playwright-core) against a real server that
 * serves packages/web/dist: naming a room and finding it in the directory, editing and deleting
 * messages, scrolling back through a long history, unread badges, and a named room surviving a
 * server restart. Every test starts its own browser and server. Screenshots land in test-results/.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../harness.js';
import { RawClient } from '../raw-client.js';
import { createRoom, launchBrowser, member, messageWith, newPerson, screenshot } from './browser-kit.js';

const TEST_TIMEOUT = 30_000;
/** Seeding sends a burst of requests on one connection; the default bucket (60) would refuse them. */
const GENEROUS_RATE = { rateLimitPerSecond: 5000, rateLimitBurst: 5000 };

// ---------------------------------------------------------------------------------------------
// What a person does in the app

/** Open a room link, give a name at the invitation, join. */
async function joinByLink(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  await page.getByTestId('name-input').fill(name);
  await page.getByTestId('join-room').click();
  await page.getByTestId('composer').waitFor();
}

/** Name the open room through the "Name this room" dialog. */
async function nameRoom(page: Page, name: string, opts: { listed: boolean }): Promise<void> {
  await page.getByTestId('name-room').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('room-name-input').fill(name);
  await dialog.getByTestId('room-public-input').setChecked(opts.listed);
  await dialog.getByTestId('room-name-save').click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByTestId('room-title').filter({ hasText: name }).waitFor();
}

function messageAt(page: Page, seq: string): Locator {
  return page.getByTestId('message-list').locator(`[data-testid="message"][data-seq="${seq}"]`);
}

/** Send from the composer and wait until the message is confirmed (it has a seq) in the sender's list. */
async function send(page: Page, text: string): Promise<string> {
  const composer = page.getByTestId('composer');
  await composer.fill(text);
  await composer.press('Enter');
  const row = messageWith(page, text);
  await row.waitFor();
  const seq = await row.getAttribute('data-seq');
  assert.ok(seq, `"${text}" got a seq`);
  return seq;
}

/** The seqs of the messages in the list, top to bottom. */
async function messageSeqs(page: Page): Promise<number[]> {
  const seqs = await page
    .getByTestId('message-list')
    .getByTestId('message')
    .evaluateAll((rows) => rows.map((row) => Number((row as HTMLElement).dataset['seq'])));
  return seqs;
}

function myRoom(page: Page, name: string): Locator {
  return page.getByTestId('my-rooms').getByTestId('my-room').filter({ hasText: name });
}

// ---------------------------------------------------------------------------------------------
// Seeding through the protocol (a raw WebSocket client, as another program would)

/** Create a named room as `owner` and send `count` messages "message 1".."message N" quickly. */
async function seedRoom(
  server: TestServer,
  opts: { name: string; visibility: 'public' | 'link' | 'private'; owner: string; count: number },
): Promise<{ room: string; seqs: number[] }> {
  const client = await RawClient.ws(server.wsUrl);
  try {
    await client.hello(opts.owner);
    const created = await client.ok('room.create', { name: opts.name, visibility: opts.visibility });
    const room = (created['room'] as { id: string }).id;
    const replies = await Promise.all(
      Array.from({ length: opts.count }, (_, i) =>
        client.ok('chat.send', { room, text: `message ${i + 1}`, nonce: `seed-${i + 1}` }),
      ),
    );
    return { room, seqs: replies.map((r) => r['seq'] as number) };
  } finally {
    client.close();
  }
}

// ---------------------------------------------------------------------------------------------

test(
  'a room named public shows its name, is found in the directory and joined from there',
  { timeout: TEST_TIMEOUT },
  async () => {
    const browser = await launchBrowser();
    const server = await startTestServer({ directoryGuestRooms: true });
    try {
      // Another public room, so the search has something to leave out.
      await seedRoom(server, { name: 'Gardening club', visibility: 'public', owner: 'Gus', count: 1 });

      const alice = await newPerson(browser);
      const link = await createRoom(alice, server.httpUrl, 'Alice');
      const roomId = new URL(link).pathname.split('/').pop() ?? '';
      assert.equal(await alice.getByTestId('room-kind').textContent(), 'Temporary');
      assert.equal(await alice.getByTestId('room-title').textContent(), 'Unnamed room');

      await nameRoom(alice, 'Quarterly Planning', { listed: true });
      const kind = alice.getByTestId('room-kind');
      assert.equal(await kind.textContent(), 'Public');
      assert.match((await kind.getAttribute('class')) ?? '', /tag--saved/);
      assert.equal(await kind.getAttribute('title'), 'History and members are kept.');
      assert.equal(await alice.getByTestId('name-room').getAttribute('data-persistent'), 'true');
      assert.equal((await alice.getByTestId('name-room').textContent())?.trim(), 'Rename');
      await alice
        .getByTestId('notice')
        .filter({ hasText: 'Alice named the room “Quarterly Planning”' })
        .waitFor();
      await myRoom(alice, 'Quarterly Planning').waitFor();
      assert.equal(await alice.title(), 'Quarterly Planning · Presence');

      // Bob arrives at the app, opens the directory, picks a name, searches in another case.
      const bob = await newPerson(browser);
      await bob.goto(server.httpUrl);
      await bob.getByTestId('directory-link').click();
      await bob.getByTestId('directory').waitFor();
      await bob.getByTestId('name-input').fill('Bob');
      await bob.getByTestId('directory-continue').click();
      const rooms = bob.getByTestId('directory-room');
      await rooms.filter({ hasText: 'Gardening club' }).waitFor();
      assert.equal(await rooms.count(), 2, 'both public rooms are listed before searching');

      await bob.getByTestId('directory-search').fill('PLANN');
      await bob.waitForFunction(
        () => document.querySelectorAll('[data-testid="directory-room"]').length === 1,
      );
      const found = rooms.filter({ hasText: 'Quarterly Planning' });
      assert.equal(await found.count(), 1, 'the search finds the room whatever the case');
      assert.match((await found.textContent()) ?? '', /1 member\b/);
      assert.equal(await found.getAttribute('data-room'), roomId);
      assert.match(bob.url(), /\?view=directory&q=PLANN$/);
      await screenshot(bob, 'rooms-directory-search');

      // Joining from the directory.
      await found.click();
      await bob.waitForURL(link);
      await bob.getByTestId('composer').waitFor();
      assert.equal(await bob.getByTestId('room-title').textContent(), 'Quarterly Planning');
      assert.equal(await bob.getByTestId('room-kind').textContent(), 'Public');
      await member(bob, 'Alice').waitFor();
      await member(alice, 'Bob').waitFor();
      assert.equal(await member(alice, 'Bob').getAttribute('data-online'), 'true');
      await alice.getByTestId('notice').filter({ hasText: 'Bob joined' }).waitFor();
      // Bob is not the owner of a named room: he cannot rename it.
      assert.equal(await bob.getByTestId('name-room').isVisible(), false);

      await screenshot(alice, 'rooms-named-alice');
    } finally {
      await browser.close();
      await server.close();
    }
  },
);

test(
  'the author edits and deletes messages; the other person sees both and has no such controls',
  { timeout: TEST_TIMEOUT },
  async () => {
    const browser = await launchBrowser();
    const server = await startTestServer();
    try {
      const alice = await newPerson(browser);
      const bob = await newPerson(browser);
      const link = await createRoom(alice, server.httpUrl, 'Alice');
      await joinByLink(bob, link, 'Bob');
      await member(alice, 'Bob').waitFor();

      const draftSeq = await send(alice, 'Meet at 10 tomorrow');
      const oopsSeq = await send(alice, 'this was meant for another room');
      await send(bob, 'Sounds good');
      await messageAt(bob, oopsSeq).waitFor();

      // Edit: hover the message, pencil, new text, save.
      const draft = messageAt(alice, draftSeq);
      await draft.hover();
      await draft.getByTestId('edit-message').click();
      const input = draft.getByTestId('edit-input');
      assert.equal(await input.inputValue(), 'Meet at 10 tomorrow');
      await input.fill('Meet at **11** tomorrow');
      await draft.getByTestId('edit-save').click();
      await draft.getByTestId('edit-input').waitFor({ state: 'detached' });

      const seenByBob = messageAt(bob, draftSeq);
      await seenByBob.getByTestId('message-text').filter({ hasText: 'Meet at 11 tomorrow' }).waitFor();
      assert.equal(await seenByBob.getByTestId('message-text').locator('strong').textContent(), '11');
      assert.equal(await seenByBob.getByText('(edited)').count(), 1, 'Bob sees that it was edited');
      assert.equal(await draft.getByText('(edited)').count(), 1, 'Alice sees that it was edited');
      assert.equal(await messageWith(bob, 'Meet at 10').count(), 0, 'the old text is gone');

      // Delete: trash can, confirm.
      const oops = messageAt(alice, oopsSeq);
      alice.once('dialog', (dialog) => void dialog.accept());
      await oops.hover();
      await oops.getByTestId('delete-message').click();
      await messageAt(bob, oopsSeq)
        .getByTestId('message-text')
        .filter({ hasText: 'message deleted' })
        .waitFor();
      await oops.getByTestId('message-text').filter({ hasText: 'message deleted' }).waitFor();
      assert.equal(await messageWith(bob, 'meant for another room').count(), 0);
      assert.equal(await oops.getByTestId('edit-message').count(), 0, 'a deleted message has no tools');

      // Bob has tools on his own message only.
      const othersTools = bob.locator(
        '[data-testid="message"][data-own="false"] :is([data-testid="edit-message"], [data-testid="delete-message"])',
      );
      assert.equal(await othersTools.count(), 0, "no edit/delete on Alice's messages");
      const own = messageWith(bob, 'Sounds good');
      assert.equal(await own.getAttribute('data-own'), 'true');
      assert.equal(await own.getByTestId('edit-message').count(), 1, 'his own message can be edited');
      assert.equal(await own.getByTestId('delete-message').count(), 1);

      await seenByBob.hover();
      await screenshot(bob, 'rooms-edit-delete-bob');
      await draft.hover();
      await screenshot(alice, 'rooms-edit-delete-alice');
    } finally {
      await browser.close();
      await server.close();
    }
  },
);

test(
  'scrolling up in a long named room loads every older message once, in order',
  { timeout: TEST_TIMEOUT },
  async () => {
    const browser = await launchBrowser();
    const server = await startTestServer(GENEROUS_RATE);
    try {
      const { room, seqs } = await seedRoom(server, {
        name: 'Archive',
        visibility: 'link', // unlisted, joined by its link (private would need an invite)
        owner: 'Archivist',
        count: 130,
      });
      const expected = [...seqs].sort((a, b) => a - b);

      const reader = await newPerson(browser);
      await joinByLink(reader, `${server.httpUrl}/r/${room}`, 'Reader');
      await messageWith(reader, 'message 130').waitFor();
      await reader.waitForTimeout(300); // let the first layout settle before measuring
      const initial = await messageSeqs(reader);
      assert.ok(initial.length <= 50, `only the latest page at first (${initial.length})`);
      assert.equal(initial.at(-1), expected.at(-1), 'the latest message is there');
      assert.ok(await messageWith(reader, 'message 130').isVisible(), 'and in view');
      const historyTop = reader.getByTestId('history-top');
      assert.equal(await historyTop.getAttribute('data-state'), 'more');

      // Wheel up until the beginning; every page adds messages above.
      const list = reader.getByTestId('message-list');
      const box = await list.boundingBox();
      assert.ok(box);
      await reader.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      const counts = [initial.length];
      for (let i = 0; i < 20 && (await historyTop.getAttribute('data-state')) !== 'start'; i++) {
        await reader.mouse.wheel(0, -4000);
        await reader.waitForFunction(
          () =>
            document.querySelector('[data-testid="history-top"]')?.getAttribute('data-state') !== 'loading',
        );
        await reader.waitForTimeout(100);
        const n = (await messageSeqs(reader)).length;
        if (n !== counts.at(-1)) counts.push(n);
      }
      assert.equal(await historyTop.getAttribute('data-state'), 'start');
      assert.match((await historyTop.textContent()) ?? '', /beginning of the room.*History is kept/);
      assert.ok(counts.length >= 3, `older pages were loaded one after another (${counts.join(' → ')})`);

      const all = await messageSeqs(reader);
      assert.equal(new Set(all).size, all.length, 'no message twice');
      assert.deepEqual(all, expected, 'every message, in order');
      const texts = await list.getByTestId('message-text').allTextContents();
      assert.deepEqual(
        texts.map((t) => t.trim()),
        expected.map((_, i) => `message ${i + 1}`),
      );
      assert.ok(await messageWith(reader, 'message 1').first().isVisible(), 'the first message is in view');
      await screenshot(reader, 'rooms-scrollback-start');
    } finally {
      await browser.close();
      await server.close();
    }
  },
);

test(
  'unread badges count and clear, and a named room with its history survives a restart',
  { timeout: TEST_TIMEOUT },
  async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'presence-e2e-'));
    const browser = await launchBrowser();
    let server: TestServer | null = await startTestServer({ dataDir });
    let restarted: TestServer | null = null;
    try {
      const alice = await newPerson(browser);
      const bob = await newPerson(browser);
      const link = await createRoom(alice, server.httpUrl, 'Alice');
      await nameRoom(alice, 'Standup', { listed: false });
      assert.equal(await alice.getByTestId('room-kind').textContent(), 'Saved');
      await joinByLink(bob, link, 'Bob');
      await member(alice, 'Bob').waitFor();
      await send(alice, 'before anyone left');
      await messageWith(bob, 'before anyone left').waitFor();
      await myRoom(bob, 'Standup').waitFor();

      // Bob goes to the landing page (a client-side navigation: still connected, still a member).
      await bob.getByRole('link', { name: 'New room' }).click();
      await bob.getByTestId('create-room').waitFor();
      const entry = myRoom(bob, 'Standup');
      assert.equal(await entry.getByTestId('unread-badge').count(), 0);

      await send(alice, 'first while Bob is away');
      await send(alice, 'second while Bob is away');
      await entry.getByTestId('unread-badge').filter({ hasText: /^2$/ }).waitFor();
      assert.equal(await entry.getByTestId('unread-badge').getAttribute('aria-label'), '2 unread');
      await screenshot(bob, 'rooms-unread-badge');

      // The count comes from the server too: a reload still shows 2.
      await bob.reload();
      await entry.getByTestId('unread-badge').filter({ hasText: /^2$/ }).waitFor();

      // Opening the room clears it, and it stays cleared after leaving the room again.
      await entry.click();
      await messageWith(bob, 'second while Bob is away').waitFor();
      await entry.getByTestId('unread-badge').waitFor({ state: 'detached' });
      assert.equal(await entry.getAttribute('aria-current'), 'page');
      await bob.waitForTimeout(300); // room.read on its way
      await bob.getByRole('link', { name: 'New room' }).click();
      await bob.getByTestId('create-room').waitFor();
      await bob.reload();
      await myRoom(bob, 'Standup').waitFor();
      await bob.waitForTimeout(300);
      assert.equal(await myRoom(bob, 'Standup').getByTestId('unread-badge').count(), 0, 'read stays read');

      // Restart on the same data directory; the new server listens on new ports.
      await server.close();
      server = null;
      restarted = await startTestServer({ dataDir });
      const newLink = `${restarted.httpUrl}${new URL(link).pathname}`;
      const carol = await newPerson(browser);
      await carol.goto(newLink);
      await carol.getByRole('heading', { name: 'You’re invited to “Standup”' }).waitFor();
      await carol.getByTestId('name-input').fill('Carol');
      await carol.getByTestId('join-room').click();
      await carol.getByTestId('composer').waitFor();
      assert.equal(await carol.getByTestId('room-title').textContent(), 'Standup');
      assert.equal(await carol.getByTestId('room-kind').textContent(), 'Saved');
      for (const text of ['before anyone left', 'first while Bob is away', 'second while Bob is away']) {
        await messageWith(carol, text).waitFor();
      }
      assert.equal(await carol.getByTestId('history-top').getAttribute('data-state'), 'start');
      await member(carol, 'Alice').waitFor();
      await member(carol, 'Bob').waitFor();
      assert.equal(await member(carol, 'Bob').getAttribute('data-online'), 'false', 'members are kept');
      await screenshot(carol, 'rooms-after-restart');
    } finally {
      await browser.close();
      await server?.close();
      await restarted?.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
