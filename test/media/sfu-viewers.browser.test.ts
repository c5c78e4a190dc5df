// test-needs: janus
/**
 * A bigger SFU call in real browsers, sized for this 2-core box: one Chromium process, a context
 * per person, a small fake camera (320x180 at 15 fps). One publisher and four viewers (no camera
 * or microphone): every viewer decodes the publisher's video through Janus (framesDecoded > 0).
 * Then a 12-person call (the publisher's page and 11 werift participants): whoever speaks is
 * promoted to the front of the first page at twice the size, also from the second page of the
 * grid. Inside a network namespace with the SFU veth pair.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../harness.js';
import { RawClient } from '../raw-client.js';
import { inSfuNamespace, SFU_VETH, until } from '../sfu-fixture.js';
import { SfuPeer } from '../sfu-peer.js';
import { Vp8Source } from '../werift-peers.js';
import {
  CallBrowsers,
  createRoom,
  joinCall,
  openRoom,
  RESULTS_DIR,
  screenshot,
  stats,
} from '../e2e/call-pages.js';

inSfuNamespace(
  import.meta.url,
  'SFU publisher, 4 viewers and a 12-person call in Chromium',
  2,
  viewerTests,
  240_000,
);

/** Viewers have neither camera nor microphone: every getUserMedia fails, they join to watch. */
const NO_DEVICES = `navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException('no devices in this test', 'NotFoundError'));`;

function viewerTests(): void {
  let server: TestServer;
  let dir: string;
  let source: Vp8Source;
  const browsers = new CallBrowsers();
  const werift: SfuPeer[] = [];
  let publisher: Page;
  let publisherId = '';
  let link = '';

  before(async () => {
    await mkdir(RESULTS_DIR, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), 'presence-fake-camera-'));
    const camera = join(dir, 'camera.y4m');
    execFileSync('ffmpeg', [
      ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi'],
      ...['-i', 'testsrc=size=320x180:rate=15', '-t', '2', '-pix_fmt', 'yuv420p', camera],
    ]);
    server = await startTestServer({
      liveMeshMax: 1,
      janusBinary: '/usr/bin/janus',
      janusInterfaces: [SFU_VETH.janusSide],
      janusRtpPorts: '22000-22400',
    });
    await browsers.launch(1, [`--use-file-for-fake-video-capture=${camera}`]);
    source = await Vp8Source.start({ width: 160, height: 90, fps: 10 });
  });

  after(async () => {
    for (const p of werift) await p.close().catch(() => undefined);
    await browsers.close();
    await server?.close();
    await source?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test(
    'one Chromium publisher, four Chromium viewers: every viewer decodes the publisher',
    { timeout: 120_000 },
    async () => {
      publisher = await browsers.person();
      link = await createRoom(publisher, server.httpUrl, 'Pat');
      publisherId = await joinCall(publisher);
      const viewers: Page[] = [];
      for (const name of ['Val', 'Vic', 'Viv', 'Vin']) {
        const page = await browsers.person();
        await page.context().addInitScript({ content: NO_DEVICES });
        await openRoom(page, link, name);
        viewers.push(page);
      }
      const joinedAt = Date.now();
      for (const page of viewers) await joinCall(page);
      const decoded = async (page: Page): Promise<number> =>
        (await stats(page)).find((s) => s.participant === publisherId)?.framesDecoded ?? 0;
      await until(
        'every viewer decodes the publisher',
        async () => (await Promise.all(viewers.map(decoded))).every((n) => n > 0),
        60_000,
      );
      const counts = await Promise.all(viewers.map(decoded));
      console.log(
        `SFU 1 + 4 in Chromium: all 4 viewers decode the publisher ${Date.now() - joinedAt} ms after the ` +
          `viewers started joining (frames so far: ${counts.join(', ')})`,
      );
      assert.ok(counts.every((n) => n > 0));
      await screenshot(viewers[3] as Page, 'sfu-viewer-of-1-publisher');
      for (const page of viewers) await page.context().close();
    },
  );

  test(
    'a 12-person call: the active speaker leads the first page, even from the second',
    { timeout: 90_000 },
    async () => {
      const room = new URL(link).pathname.split('/').pop() ?? '';
      assert.ok(room, 'the room id from its link');
      const ids: string[] = [];
      const names = ['Ada', 'Ben', 'Cal', 'Dee', 'Eve', 'Fay', 'Gus', 'Hal', 'Ivy', 'Jon', 'Kim'];
      for (const [i, name] of names.entries()) {
        const c = await RawClient.ws(server.wsUrl);
        await c.hello(name);
        await c.ok('room.join', { room });
        const joined = await c.ok('live.join', { room, media: { audio: true, video: i >= 9 } });
        assert.equal(joined['mode'], 'sfu');
        ids.push((joined['you'] as { id: string }).id);
        // Two of them (the last, on the grid's second page) send video; the others only show avatars.
        const peer = new SfuPeer(c, room, i >= 9 ? source : null);
        werift.push(peer);
        void peer.startSfu();
      }
      const grid = publisher.getByTestId('call-grid');
      await until(
        '12 tiles in the publisher’s grid',
        async () => (await grid.getByTestId('call-tile').count()) === 12,
        30_000,
      );
      const tile = (i: number) =>
        publisher.locator(`[data-testid="call-tile"][data-participant="${ids[i]}"]`);
      assert.equal(await tile(10).isHidden(), true, 'Kim (12th) starts on the second page');

      // Kim speaks: promoted to the front of page one, twice the size.
      const kim = werift[10] as SfuPeer;
      await kim.client.ok('live.media', { room, speaking: true });
      await tile(10).and(publisher.locator('[data-active-speaker="true"]')).waitFor({ timeout: 15_000 });
      assert.equal(await tile(10).isVisible(), true, 'the active speaker is on the page shown');
      const box = await tile(10).boundingBox();
      const other = await tile(0).boundingBox();
      assert.ok(box && other && box.width > other.width * 1.5, 'the active speaker’s tile is larger');
      const firstShown = await publisher.evaluate(() => {
        const tiles = [...document.querySelectorAll<HTMLElement>('[data-testid="call-tile"]')].filter(
          (t) => !t.hidden,
        );
        tiles.sort((a, b) => Number(a.style.order) - Number(b.style.order));
        return tiles[0]?.getAttribute('data-participant');
      });
      assert.equal(firstShown, ids[10], 'the active speaker comes first');
      await until(
        'Kim’s video plays in the spotlight',
        () =>
          tile(10)
            .locator('video')
            .evaluate((v: HTMLVideoElement) => v.videoWidth > 0),
        30_000,
      );
      await screenshot(publisher, 'sfu-12-active-speaker');

      // Kim stops: still the active speaker (no jumping at every pause). Then Ben speaks.
      await kim.client.ok('live.media', { room, speaking: false });
      await (werift[1] as SfuPeer).client.ok('live.media', { room, speaking: true });
      await tile(1).and(publisher.locator('[data-active-speaker="true"]')).waitFor({ timeout: 15_000 });
      assert.equal(await tile(10).getAttribute('data-active-speaker'), 'false');
      assert.equal(await tile(10).isHidden(), true, 'Kim goes back to the second page');
      await screenshot(publisher, 'sfu-12-active-speaker-changed');
    },
  );
}
