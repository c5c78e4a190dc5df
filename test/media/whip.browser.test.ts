// test-needs: janus
/**
 * Streaming from an encoder into a room, in a real browser: the owner opens the room's stream-keys
 * dialog (settings), creates a key and sees the WHIP URL and the secret once; a Node WHIP publisher
 * (werift with ffmpeg's VP8 test pattern, standing in for OBS) publishes with them; the owner's
 * Chromium joins the room's call and decodes the stream (framesDecoded > 0), shown as the key's
 * name. Inside a network namespace with a veth pair (Janus sends no media over loopback).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../harness.js';
import { Vp8Source, WeriftPublisher } from '../werift-peers.js';
import { CallBrowsers, createRoom, joinCall, RESULTS_DIR, screenshot, stats } from '../e2e/call-pages.js';
import { inLoopbackNamespace, runInLoopbackNamespace, SFU_VETH } from '../e2e/netns.js';

const FILE = fileURLToPath(import.meta.url);

if (!inLoopbackNamespace()) {
  test(
    'WHIP into a room, watched in a browser, inside a network namespace',
    { timeout: 240_000 },
    async () => {
      const root = fileURLToPath(new URL('../../', import.meta.url));
      const { code, output } = await runInLoopbackNamespace(relative(root, FILE), { veth: true });
      assert.equal(code, 0, 'the WHIP browser tests passed inside the namespace (their output is above)');
      const count = (label: string): number =>
        Number(new RegExp(`ℹ ${label} (\\d+)`).exec(output)?.[1] ?? -1);
      assert.ok(
        count('tests') >= 1 && count('pass') === count('tests'),
        'every WHIP browser test ran and passed',
      );
    },
  );
} else {
  whipBrowserTests();
}

async function nameRoom(page: Page, name: string): Promise<void> {
  await page.getByTestId('name-room').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('room-name-input').fill(name);
  await dialog.getByTestId('room-name-save').click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByTestId('room-title').filter({ hasText: name }).waitFor();
}

function whipBrowserTests(): void {
  let server: TestServer;
  let source: Vp8Source;
  const browsers = new CallBrowsers();
  const closers: (() => Promise<void>)[] = [];

  before(async () => {
    await mkdir(RESULTS_DIR, { recursive: true });
    server = await startTestServer({
      janusBinary: '/usr/bin/janus',
      janusInterfaces: [SFU_VETH.janusSide],
      janusRtpPorts: '21000-21200',
    });
    source = await Vp8Source.start();
    await browsers.launch(1);
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await browsers.close();
    await server?.close();
    await source?.close();
  });

  test(
    'stream keys dialog → WHIP publisher → the owner decodes the stream in the call',
    { timeout: 150_000 },
    async () => {
      const owner = await browsers.person();
      await createRoom(owner, server.httpUrl, 'Olive');
      await owner.getByTestId('composer').waitFor();
      await nameRoom(owner, 'Live stage');

      await owner.getByTestId('open-stream-settings').click();
      const dialog = owner.getByTestId('stream-keys-dialog');
      await dialog.getByTestId('whip-url').waitFor();
      await dialog.getByTestId('stream-key-name').fill('OBS Studio');
      await dialog.getByTestId('stream-key-create').click();
      const secretBox = dialog.getByTestId('stream-key-secret');
      await secretBox.waitFor();
      const secret = /pwk_[A-Za-z0-9_-]{43}/.exec((await secretBox.textContent()) ?? '')?.[0];
      assert.ok(secret, 'the new key is shown once');
      const whipUrl = ((await dialog.getByTestId('whip-url').textContent()) ?? '').trim();
      assert.match(whipUrl, /\/whip\/rooms\//);
      await dialog.getByTestId('stream-key-row').filter({ hasText: 'OBS Studio' }).waitFor();
      await screenshot(owner, 'whip-stream-keys-dialog');
      await owner.keyboard.press('Escape');
      await owner.getByTestId('stream-settings-dialog').waitFor({ state: 'detached' });

      // The encoder (OBS's role): POST its offer to the WHIP URL with the key as bearer.
      const pub = new WeriftPublisher(source);
      closers.push(() => pub.close());
      const res = await fetch(whipUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/sdp', authorization: `Bearer ${secret}` },
        body: await pub.offer(),
      });
      assert.equal(res.status, 201, await res.clone().text());
      await pub.answer(await res.text());

      await joinCall(owner);
      const deadline = Date.now() + 30_000;
      let decoded = 0;
      let sourceId = '';
      while (Date.now() < deadline) {
        const all = await stats(owner);
        const s = all.find((x) => x.participant.startsWith('whip_'));
        if (s) {
          sourceId = s.participant;
          decoded = s.framesDecoded;
        }
        if (decoded > 0) break;
        await owner.waitForTimeout(250);
      }
      assert.ok(decoded > 0, `the owner's Chromium decodes the WHIP source (${decoded} frames)`);
      const tile = owner.locator(`[data-testid="call-tile"][data-participant="${sourceId}"]`);
      await tile.first().waitFor();
      assert.match((await tile.first().textContent()) ?? '', /OBS Studio/, "shown as the key's name");
      await owner.waitForTimeout(500);
      await screenshot(owner, 'whip-viewer');
      console.log(`WHIP source decoded in Chromium: ${decoded} frames`);
    },
  );
}
