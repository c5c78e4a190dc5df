// test-needs: janus
/**
 * A streaming room in real browsers: the owner turns streaming on in the room's Streaming dialog
 * (live.settings), joins the call and is the source (publishes, sees its own tile); two viewers
 * join, do not publish, and see the viewer layout: one big video of the source (decoded,
 * framesDecoded > 0), a LIVE badge with the streamer's name and the viewer count; when the
 * streamer leaves they see "The stream has ended". Viewers join receive-only: their pages never call
 * getUserMedia (counted by an init script), and still decode. Inside a network namespace with a veth pair
 * (Janus sends no media over loopback).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../harness.js';
import {
  CallBrowsers,
  createRoom,
  framesFrom,
  joinCall,
  openRoom,
  RESULTS_DIR,
  screenshot,
} from '../e2e/call-pages.js';
import { inLoopbackNamespace, runInLoopbackNamespace, SFU_VETH } from '../e2e/netns.js';

const FILE = fileURLToPath(import.meta.url);

if (!inLoopbackNamespace()) {
  test('streaming rooms in browsers, inside a network namespace', { timeout: 240_000 }, async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const { code, output } = await runInLoopbackNamespace(relative(root, FILE), { veth: true });
    assert.equal(code, 0, 'the streaming browser tests passed inside the namespace (their output is above)');
    const count = (label: string): number => Number(new RegExp(`ℹ ${label} (\\d+)`).exec(output)?.[1] ?? -1);
    assert.ok(
      count('tests') >= 1 && count('pass') === count('tests'),
      'every streaming browser test ran and passed',
    );
  });
} else {
  streamingBrowserTests();
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Counts this page's getUserMedia calls (window.__gumCalls), from before the app loads. */
const COUNT_GET_USER_MEDIA = `(() => {
  window.__gumCalls = 0;
  const md = navigator.mediaDevices;
  if (!md) return;
  const real = md.getUserMedia.bind(md);
  md.getUserMedia = (c) => { window.__gumCalls++; return real(c); };
})();`;

function getUserMediaCalls(page: Page): Promise<number> {
  return page.evaluate(() => (window as unknown as { __gumCalls: number }).__gumCalls);
}

/** A viewer presses the call button: the viewer layout shows instead of a grid with its own tile. */
async function joinAsViewer(page: Page): Promise<void> {
  await page.getByTestId('join-call').click();
  await page.getByTestId('stream-view').waitFor();
}

function streamingBrowserTests(): void {
  let server: TestServer;
  const browsers = new CallBrowsers();

  before(async () => {
    await mkdir(RESULTS_DIR, { recursive: true });
    server = await startTestServer({
      janusBinary: '/usr/bin/janus',
      janusInterfaces: [SFU_VETH.janusSide],
      janusRtpPorts: '22500-22700',
    });
    await browsers.launch(2);
  });

  after(async () => {
    await browsers.close();
    await server?.close();
  });

  test(
    'streaming room: the owner streams, two viewers watch the big video with the count, then see the end',
    { timeout: 180_000 },
    async () => {
      const [sam, vic, val] = [await browsers.person(), await browsers.person(), await browsers.person()];
      for (const p of [sam, vic, val]) await p.addInitScript({ content: COUNT_GET_USER_MEDIA });
      const link = await createRoom(sam, server.httpUrl, 'Sam');

      // The owner makes it a streaming room where only owners stream.
      await sam.getByTestId('open-stream-settings').click();
      const dialog = sam.getByTestId('stream-settings-dialog');
      await dialog.getByTestId('stream-settings-streaming').check();
      await dialog.getByTestId('stream-settings-role').selectOption('owner');
      await screenshot(sam, 'streaming-settings-dialog');
      await dialog.getByTestId('stream-settings-save').click();
      await dialog.waitFor({ state: 'detached' });

      await openRoom(vic, link, 'Vic');
      await openRoom(val, link, 'Val');
      // Viewers before the stream: waiting.
      await joinAsViewer(vic);
      await vic
        .getByTestId('stream-message')
        .filter({ hasText: 'Waiting for the stream' })
        .waitFor({ timeout: 15_000 });
      await screenshot(vic, 'streaming-viewer-waiting');

      const samId = await joinCall(sam);
      await joinAsViewer(val);
      const viewers = [vic, val];
      for (const v of viewers) {
        await v.locator(`[data-testid="stream-view"][data-state="live"][data-source="${samId}"]`).waitFor({
          timeout: 20_000,
        });
      }
      await waitUntil(
        'both viewers decode the source',
        async () => (await Promise.all(viewers.map((v) => framesFrom(v, samId)))).every((n) => n > 0),
        30_000,
      );
      for (const v of viewers) {
        await v.waitForFunction(
          () =>
            (document.querySelector<HTMLVideoElement>('[data-testid="stream-video"]')?.videoWidth ?? 0) > 0,
          undefined,
          { timeout: 15_000 },
        );
        await v.locator('[data-testid="stream-viewers"][data-count="2"]').waitFor({ timeout: 15_000 });
        assert.equal((await v.getByTestId('stream-streamer').textContent())?.trim(), 'Sam');
        assert.match((await v.getByTestId('stream-badge').textContent()) ?? '', /LIVE.*Sam.*2 viewers/);
        // A viewer publishes nothing: it has no tile of its own and no grid.
        assert.equal(await v.getByTestId('call-grid').count(), 0);
        assert.equal(
          await v.getByTestId('toggle-mic').isVisible(),
          false,
          'a viewer has no microphone button',
        );
      }
      const frames = await Promise.all(viewers.map((v) => framesFrom(v, samId)));
      console.log(`viewers decoded the streamer: ${frames.join(', ')} frames`);
      // Viewers join receive-only: never asked for camera or microphone; the source was.
      for (const v of viewers)
        assert.equal(await getUserMediaCalls(v), 0, 'a viewer never calls getUserMedia');
      assert.ok((await getUserMediaCalls(sam)) > 0, 'the source asked for its camera and microphone');
      // The source sees its own tile; nobody else publishes, so it decodes nobody.
      assert.equal(await sam.locator('[data-testid="call-tile"][data-self="true"]').count(), 1);
      assert.equal(await sam.getByTestId('call-tile').count(), 1, 'the source sees only its own tile');
      await sam
        .getByTestId('streamer-bar')
        .locator('[data-testid="stream-viewers"][data-count="2"]')
        .waitFor({ timeout: 15_000 });
      await vic.waitForTimeout(500);
      await screenshot(vic, 'streaming-viewer-live');
      await screenshot(sam, 'streaming-streamer');

      await sam.getByTestId('leave-call').click();
      for (const v of viewers) {
        await v
          .getByTestId('stream-message')
          .filter({ hasText: 'The stream has ended' })
          .waitFor({ timeout: 20_000 });
      }
      await screenshot(val, 'streaming-viewer-ended');
    },
  );
}
