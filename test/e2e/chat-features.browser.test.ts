/**
 * Everyday chat in two real browsers: reply and react, an @mention that the other person sees
 * highlighted and counted in their tab title, an image uploaded in one browser and shown in the
 * other, and search finding an old message. Screenshots land in test-results/.
 */
import assert from 'node:assert/strict';
import { crc32, deflateSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from '../harness.js';
import {
  createRoom,
  enterRoomByLink,
  launchBrowser,
  messageWith,
  newPerson,
  screenshot,
} from './browser-kit.js';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;

before(async () => {
  server = await startTestServer({ rateLimitPerSecond: 500, rateLimitBurst: 500 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** A real PNG (w×h, one colour), so the other browser can decode and draw it. */
function png(w: number, h: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: w }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByTestId('composer');
  await composer.fill(text);
  await composer.press('Enter');
  await messageWith(page, text).last().waitFor();
}

async function twoInARoom(): Promise<{ alice: Page; bob: Page; link: string }> {
  const alice = await newPerson(browser);
  const bob = await newPerson(browser);
  const link = await createRoom(alice, server.httpUrl, 'Alice');
  await enterRoomByLink(bob, link, 'Bob');
  return { alice, bob, link };
}

test(
  'reply and react: the reply quotes the message, reactions count and say who',
  { timeout: 60_000 },
  async () => {
    const { alice, bob } = await twoInARoom();
    await send(alice, 'Lunch at noon?');

    const question = messageWith(bob, 'Lunch at noon?');
    await question.hover();
    await question.getByTestId('reply-message').click();
    await bob.getByTestId('composer-reply').waitFor();
    await send(bob, 'Yes, see you there');

    const answer = messageWith(alice, 'Yes, see you there');
    const quote = answer.getByTestId('reply-quote');
    await quote.waitFor();
    assert.match(await quote.innerText(), /Alice[\s\S]*Lunch at noon\?/);

    await answer.hover();
    await answer.getByTestId('react-message').click();
    await answer.locator('[data-testid="pick-emoji"][data-emoji="👍"]').click();
    const chip = messageWith(bob, 'Yes, see you there').locator('[data-testid="reaction"][data-emoji="👍"]');
    await chip.waitFor();
    assert.equal(await chip.getByTestId('reaction-count').innerText(), '1');
    assert.match((await chip.getAttribute('title')) ?? '', /Alice/);
    await chip.click();
    const aliceChip = answer.locator('[data-testid="reaction"][data-emoji="👍"]');
    await aliceChip.getByTestId('reaction-count').filter({ hasText: '2' }).waitFor();
    assert.match((await aliceChip.getAttribute('title')) ?? '', /You, Bob|Bob/);
    await screenshot(alice, 'chat-reply-react');

    // The reply's quote jumps to the quoted message.
    await quote.click();
    await alice.locator('.msg.is-flash').filter({ hasText: 'Lunch at noon?' }).waitFor();
    await alice.context().close();
    await bob.context().close();
  },
);

test(
  'a mention is highlighted for the person mentioned and counted in their tab title',
  { timeout: 60_000 },
  async () => {
    const { alice, bob, link } = await twoInARoom();
    // Bob looks elsewhere in the app; he is still in the room.
    await bob.locator('a.brand').click();
    await bob.waitForURL(`${server.httpUrl}/`);

    const composer = alice.getByTestId('composer');
    await composer.fill('');
    await composer.pressSequentially('@Bo');
    await alice.getByTestId('mention-option').filter({ hasText: 'Bob' }).waitFor();
    await composer.press('Enter');
    await composer.pressSequentially('can you review this?');
    await composer.press('Enter');
    await messageWith(alice, 'can you review this?').waitFor();

    await bob.waitForFunction(() => /^\(1 · @1\) /.test(document.title));
    const favicon = await bob.locator('link[rel="icon"]').getAttribute('data-count');
    assert.equal(favicon, '1');
    await alice.getByTestId('composer').fill('and a plain one');
    await alice.getByTestId('composer').press('Enter');
    await bob.waitForFunction(() => /^\(2 · @1\) /.test(document.title));
    await screenshot(bob, 'chat-mention-title');

    // Back in the room: the mention is highlighted for Bob (and only for him), the count is gone.
    await bob.goto(link);
    const mentioned = messageWith(bob, 'can you review this?');
    await mentioned.waitFor();
    assert.match((await mentioned.getAttribute('class')) ?? '', /msg--mention/);
    assert.equal(await mentioned.locator('.mention').innerText(), '@Bob');
    assert.doesNotMatch(
      (await messageWith(alice, 'can you review this?').getAttribute('class')) ?? '',
      /msg--mention/,
    );
    await bob.waitForFunction(() => !document.title.startsWith('('));
    await screenshot(bob, 'chat-mention-highlight');
    await alice.context().close();
    await bob.context().close();
  },
);

test('an image uploaded in one browser shows inline in the other', { timeout: 60_000 }, async () => {
  const { alice, bob } = await twoInARoom();
  await alice.getByTestId('attach-input').setInputFiles({
    name: 'sunset.png',
    mimeType: 'image/png',
    buffer: png(120, 80, [240, 120, 40]),
  });
  const img = messageWith(bob, 'sunset.png').getByTestId('attachment-img');
  await img.waitFor();
  await bob.waitForFunction(
    () => {
      const el = document.querySelector<HTMLImageElement>('[data-testid="attachment-img"]');
      return el !== null && el.complete && el.naturalWidth === 120 && el.naturalHeight === 80;
    },
    undefined,
    { timeout: 10_000 },
  );
  assert.equal(await img.getAttribute('width'), '120');
  assert.match((await img.getAttribute('src')) ?? '', /^blob:/);
  await screenshot(bob, 'chat-image');
  await alice.context().close();
  await bob.context().close();
});

test('search finds an old message of a named room', { timeout: 90_000 }, async () => {
  const { alice, bob } = await twoInARoom();
  await alice.getByTestId('name-room').click();
  await alice.getByTestId('room-name-input').fill('Book club');
  await alice.getByTestId('room-name-save').click();
  await alice.getByTestId('room-title').filter({ hasText: 'Book club' }).waitFor();
  await send(alice, 'The meeting moves to the old lighthouse');
  for (let i = 0; i < 30; i++) await send(bob, `chatter ${i}`);

  await bob.getByTestId('open-search').click();
  await bob.getByTestId('search-input').fill('lighthouse');
  await bob.getByTestId('search-input').press('Enter');
  const result = bob.getByTestId('search-result').filter({ hasText: 'old lighthouse' });
  await result.waitFor();
  assert.equal(await bob.getByTestId('search-result').count(), 1);
  await screenshot(bob, 'chat-search');
  await result.click();
  await bob.locator('.msg.is-flash').filter({ hasText: 'old lighthouse' }).waitFor();
  await alice.context().close();
  await bob.context().close();
});
