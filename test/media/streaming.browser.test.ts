// test-needs: janus
/**
 * A streaming room in real browsers: the owner turns streaming on in the room's Streaming dialog
 * (live.settings), joins the call and is the source (publishes, sees its own tile); two viewers
 * join, do not publish, and see the viewer layout: one big video of the source (decoded,
 * framesDecoded > 0), a LIVE badge with the streamer's name and the viewer count; when the
 * streamer leaves they see "The stream has ended". Viewers join receive-only: their pages never call
 * getUserMedia (counted by an init script), and still decode. Inside a network namespace with a veth pair
 * (Janus sends no media over loopback).
 *
 * Recording: the streamer records for a few seconds, a viewer sees the Recording badge come and
 * go, the Recordings dialog lists the file with the streamer as its publisher, and the viewer's
 * Download gives a webm with audio and video as long as the recording (ffprobe).
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { ffprobe } from '../recordings.js';
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
      count('tests') >= 2 && count('pass') === count('tests'),
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

/** The owner turns streaming on in the room's Streaming dialog, with owners as the streamers. */
async function makeStreamingRoom(owner: Page, shot?: string): Promise<void> {
  await owner.getByTestId('open-stream-settings').click();
  const dialog = owner.getByTestId('stream-settings-dialog');
  await dialog.getByTestId('stream-settings-streaming').check();
  await dialog.getByTestId('stream-settings-role').selectOption('owner');
  if (shot) await screenshot(owner, shot);
  await dialog.getByTestId('stream-settings-save').click();
  await dialog.waitFor({ state: 'detached' });
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
      await makeStreamingRoom(sam, 'streaming-settings-dialog');

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
  test(
    'recording a stream: a viewer sees the badge, the Recordings dialog lists it, the download plays',
    { timeout: 150_000 },
    async () => {
      const [sam, vic] = [await browsers.person(), await browsers.person()];
      const link = await createRoom(sam, server.httpUrl, 'Sam');
      await makeStreamingRoom(sam);
      await openRoom(vic, link, 'Vic');
      const samId = await joinCall(sam);
      await joinAsViewer(vic);
      await waitUntil(
        'the viewer decodes the source',
        async () => (await framesFrom(vic, samId)) > 0,
        30_000,
      );

      // Only owners and admins have the Record button; everyone sees the badge while it runs.
      assert.equal(await vic.getByTestId('toggle-record').isVisible(), false, 'a viewer cannot record');
      await sam.getByTestId('toggle-record').click();
      const t0 = Date.now();
      await vic.getByTestId('recording-indicator').waitFor({ state: 'visible', timeout: 10_000 });
      await sam.getByTestId('recording-indicator').waitFor({ state: 'visible', timeout: 10_000 });
      await screenshot(vic, 'recording-viewer-badge');
      await vic.waitForTimeout(Math.max(0, 4000 - (Date.now() - t0)));
      await sam.getByTestId('toggle-record').click();
      await vic.getByTestId('recording-indicator').waitFor({ state: 'hidden', timeout: 10_000 });
      const recorded = (Date.now() - t0) / 1000;

      // The viewer (a member, not an owner) lists it and downloads it; no Delete for them.
      await vic.getByTestId('open-recordings').click();
      const dialog = vic.getByTestId('recordings-dialog');
      const row = dialog.getByTestId('recording-row');
      await row.first().waitFor({ timeout: 45_000 });
      assert.equal(await row.count(), 1, 'one recording: one publisher');
      assert.match((await row.textContent()) ?? '', /Sam/);
      assert.equal(await dialog.getByTestId('recording-delete').count(), 0, 'members cannot delete');
      await screenshot(vic, 'recordings-dialog');
      const [download] = await Promise.all([
        vic.waitForEvent('download', { timeout: 30_000 }),
        dialog.getByTestId('recording-download').click(),
      ]);
      const file = `${RESULTS_DIR}/recording-download.webm`;
      await download.saveAs(file);
      const probe = ffprobe(file);
      console.log(
        `browser recording: recorded ${recorded.toFixed(2)} s, downloaded ${probe.duration.toFixed(2)} s (${probe.streams.join(',')}) as ${download.suggestedFilename()}`,
      );
      assert.deepEqual([...probe.streams].sort(), ['audio', 'video'], 'audio and video in one file');
      assert.ok(Math.abs(probe.duration - recorded) <= 1.5, `ffprobe ${probe.duration} s vs ${recorded} s`);
      assert.match(download.suggestedFilename(), /^Call \d{4}-\d\d-\d\d \d\d\.\d\d Sam\.webm$/);

      // The owner deletes it; the viewer's open dialog empties.
      await sam.getByTestId('open-recordings').click();
      await sam.getByTestId('recordings-dialog').getByTestId('recording-row').first().waitFor();
      sam.once('dialog', (d) => void d.accept());
      await sam.getByTestId('recordings-dialog').getByTestId('recording-delete').click();
      await dialog.getByTestId('recordings-empty').waitFor({ timeout: 10_000 });
    },
  );
}
