// test-needs: coturn nftables
/**
 * Live calls in real browsers: a three-person mesh, a participant's network switch (signaling cut,
 * its media ports dead for good) healed by rejoin + ICE restart, and media forced through a real
 * coturn. Runs inside a loopback-only network namespace (re-executes itself there, see netns.ts).
 * Screenshots land in test-results/.
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
  net,
  openRoom,
  RESULTS_DIR,
  screenshot,
  stats,
  tileOf,
  waitForFrames,
} from '../e2e/call-pages.js';
import { startCoturn } from '../e2e/coturn.js';
import { blockUdpPorts, clearFirewall } from '../e2e/firewall.js';
import { inLoopbackNamespace, runInLoopbackNamespace } from '../e2e/netns.js';

const FILE = fileURLToPath(import.meta.url);

if (!inLoopbackNamespace()) {
  test('calls, inside a loopback-only network namespace', { timeout: 300_000 }, async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const { code, output } = await runInLoopbackNamespace(relative(root, FILE));
    assert.equal(code, 0, 'the call tests passed inside the namespace (their output is above)');
    const count = (label: string): number => Number(new RegExp(`ℹ ${label} (\\d+)`).exec(output)?.[1] ?? -1);
    assert.ok(count('tests') >= 3 && count('pass') === count('tests'), 'every call test ran and passed');
  });
} else {
  callTests();
}

function callTests(): void {
  let server: TestServer;
  const browsers = new CallBrowsers();

  before(async () => {
    await mkdir(RESULTS_DIR, { recursive: true });
    // Long enough for a cut-off participant's session to outlive ICE's failure timeout (test 2).
    server = await startTestServer({ sessionGraceMs: 90_000 });
    await browsers.launch(2);
  });

  after(async () => {
    clearFirewall();
    await browsers.close();
    await server?.close();
  });

  async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition())) {
      if (Date.now() > deadline) assert.fail(`condition not met within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Three people in one room, all in its call; the second and third join from the live banner's room. */
  async function threeInACall(baseUrl: string): Promise<{ pages: Page[]; ids: string[] }> {
    const [alice, bob, cat] = [await browsers.person(), await browsers.person(), await browsers.person()];
    const link = await createRoom(alice, baseUrl, 'Alice');
    await openRoom(bob, link, 'Bob');
    await openRoom(cat, link, 'Cat');
    assert.equal(await alice.getByTestId('join-call').textContent(), 'Start call');
    const aliceId = await joinCall(alice);
    // Members outside the call see it is on.
    await bob.getByTestId('live-banner').filter({ hasText: 'A call is live here: 1 person' }).waitFor();
    const bobId = await joinCall(bob);
    await cat.getByTestId('live-banner').filter({ hasText: 'A call is live here: 2 people' }).waitFor();
    await screenshot(cat, 'calls-live-banner');
    assert.equal(await cat.getByTestId('join-call').textContent(), 'Join call');
    const catId = await joinCall(cat);
    assert.equal(await cat.getByTestId('live-banner').isVisible(), false, 'no banner once in the call');
    return { pages: [alice, bob, cat], ids: [aliceId, bobId, catId] };
  }

  /** Every page decodes video from both others. */
  async function meshDecodes(pages: Page[], ids: string[]): Promise<void> {
    await Promise.all(
      pages.map((page, i) =>
        waitForFrames(page, Object.fromEntries(ids.filter((_, j) => j !== i).map((id) => [id, 0]))),
      ),
    );
  }

  test('three people in a mesh each decode video from both others', { timeout: 90_000 }, async () => {
    try {
      const started = Date.now();
      const { pages, ids } = await threeInACall(server.httpUrl);
      const joined = Date.now();
      await meshDecodes(pages, ids);
      console.log(`mesh of 3: every page decoding both others ${Date.now() - joined} ms after the last join`);
      const [alice, bob, cat] = pages as [Page, Page, Page];
      const [, bobId, catId] = ids as [string, string, string];

      for (const page of pages) {
        const tiles = page.getByTestId('call-grid').getByTestId('call-tile');
        assert.equal(await tiles.count(), 3, 'own tile and one per other participant');
        await page.waitForFunction(
          () =>
            [...document.querySelectorAll('[data-testid="call-tile"]')].every(
              (t) => t.getAttribute('data-status') === 'connected',
            ),
          undefined,
          { timeout: 10_000 },
        );
      }
      // Videos really play in the tiles (not only decoded).
      await alice.waitForFunction(
        () =>
          [...document.querySelectorAll<HTMLVideoElement>('[data-testid="call-tile"] video')].every(
            (v) => v.videoWidth > 0 && !v.paused,
          ),
        undefined,
        { timeout: 10_000 },
      );
      await screenshot(alice, 'calls-3-person-grid');

      // Bob mutes and turns his camera off: the others see a muted tile with his avatar.
      await bob.getByTestId('toggle-mic').click();
      await bob.getByTestId('toggle-cam').click();
      for (const page of [alice, cat]) {
        await page.waitForFunction((id) => {
          const tile = document.querySelector(`[data-testid="call-tile"][data-participant="${id}"]`);
          return tile?.getAttribute('data-muted') === 'true' && tile.classList.contains('is-video-off');
        }, bobId);
      }
      assert.equal(await bob.getByTestId('toggle-mic').getAttribute('aria-pressed'), 'false');
      await screenshot(alice, 'calls-3-person-bob-camera-off');

      // Alice (the first joiner, so the impolite side) shares her screen: a renegotiation from her
      // end adds a tile on the others' screens, and stopping removes it again.
      const [aliceId] = ids as [string];
      await alice.getByTestId('toggle-screen').click();
      for (const page of [bob, cat]) {
        await page.waitForFunction((id) => {
          const video = document.querySelector<HTMLVideoElement>(
            `[data-testid="call-tile"][data-kind="screen"][data-participant="${id}"] video`,
          );
          return video !== null && video.videoWidth > 0;
        }, aliceId);
      }
      assert.equal(await alice.getByTestId('toggle-screen').getAttribute('aria-pressed'), 'true');
      await screenshot(cat, 'calls-screen-share');
      await alice.getByTestId('toggle-screen').click();
      await bob.locator(`[data-testid="call-tile"][data-kind="screen"]`).waitFor({ state: 'detached' });

      // Cat leaves: the others are down to two tiles; Cat sees the call is still live.
      await cat.getByTestId('leave-call').click();
      await tileOf(alice, catId).waitFor({ state: 'detached' });
      await cat.getByTestId('live-banner').filter({ hasText: '2 people' }).waitFor();
      assert.equal((await stats(cat)).length, 0, 'no peer connections after leaving');
      console.log(`three-person mesh test body: ${Date.now() - started} ms`);
    } finally {
      await browsers.closePeople();
    }
  });

  test(
    'a participant whose network switches shows as reconnecting, then its video flows again without reloads',
    { timeout: 120_000 },
    async () => {
      try {
        const { pages, ids } = await threeInACall(server.httpUrl);
        await meshDecodes(pages, ids);
        const [alice, bob, cat] = pages as [Page, Page, Page];
        const [aliceId, bobId, catId] = ids as [string, string, string];
        for (const page of pages)
          await page.evaluate(() => ((window as unknown as { noReload: number }).noReload = 1));

        // Cat's network goes: signaling cut, and its media ports stop working for good.
        const ports = (await stats(cat)).flatMap((s) => s.localPorts);
        await net(cat, 'drop');
        blockUdpPorts(ports);
        const cutAt = Date.now();
        for (const page of [alice, bob]) {
          await page.waitForFunction(
            (id) =>
              document
                .querySelector(`[data-testid="call-tile"][data-participant="${id}"]`)
                ?.getAttribute('data-status') === 'reconnecting',
            catId,
          );
        }
        console.log(`others see Cat reconnecting after ${Date.now() - cutAt} ms`);
        await alice.getByTestId('call-grid').getByText('Reconnecting…').first().waitFor();
        await screenshot(alice, 'calls-reconnecting-tile');

        // Her video is frozen: the cut is real. (The first second lets frames already in flight
        // land.) Alice and Bob keep decoding each other meanwhile: once each has 30 more frames of
        // the other's, none of Cat's may have come.
        await alice.waitForTimeout(1_000);
        const frozen = { alice: await framesFrom(alice, catId), bob: await framesFrom(bob, catId) };
        const flowing = { alice: await framesFrom(alice, bobId), bob: await framesFrom(bob, aliceId) };
        await Promise.all([
          waitForFrames(alice, { [bobId]: flowing.alice + 30 }),
          waitForFrames(bob, { [aliceId]: flowing.bob + 30 }),
        ]);
        assert.equal(await framesFrom(alice, catId), frozen.alice, 'no frames from Cat while she is cut off');
        assert.equal(await framesFrom(bob, catId), frozen.bob, 'no frames from Cat while she is cut off');
        const catSaw = { [aliceId]: await framesFrom(cat, aliceId), [bobId]: await framesFrom(cat, bobId) };

        // Stay away until ICE itself gave up on both ends: from here on only the rejoin's ICE
        // restart can heal the call (no "failed" transition is left to trigger a restart later).
        await waitFor(async () => {
          const states = [
            ...(await stats(alice)).filter((s) => s.participant === catId),
            ...(await stats(bob)).filter((s) => s.participant === catId),
            ...(await stats(cat)),
          ].map((s) => s.connectionState);
          return states.length === 4 && states.every((state) => state === 'failed');
        }, 45_000);
        console.log(`every connection with Cat failed ${Date.now() - cutAt} ms after the cut`);

        // Back on a "new network" (old ports stay dead): rejoin + ICE restart must bring her back.
        const restoredAt = Date.now();
        await net(cat, 'restore');
        await cat.getByTestId('conn-banner').waitFor({ state: 'hidden', timeout: 20_000 });
        const signalingAt = Date.now();
        await waitForFrames(alice, { [catId]: frozen.alice + 10 }, 30_000);
        await waitForFrames(bob, { [catId]: frozen.bob + 10 }, 30_000);
        await waitForFrames(cat, { [aliceId]: catSaw[aliceId] ?? 0, [bobId]: catSaw[bobId] ?? 0 }, 30_000);
        console.log(
          `Cat's signaling back ${signalingAt - restoredAt} ms after the network came back, ` +
            `her video flowing again ${Date.now() - signalingAt} ms after that`,
        );
        for (const page of [alice, bob]) {
          await tileOf(page, catId).and(page.locator('[data-status="connected"]')).waitFor();
        }
        for (const page of pages) {
          assert.equal(
            await page.evaluate(() => (window as unknown as { noReload?: number }).noReload),
            1,
            'no reload',
          );
        }
        const newPorts = (await stats(cat)).flatMap((s) => s.localPorts);
        assert.ok(
          newPorts.some((p) => !ports.includes(p)),
          'the restarted connections use new ports (ICE restart)',
        );
        await screenshot(alice, 'calls-after-network-switch');
      } finally {
        clearFirewall();
        await browsers.closePeople();
      }
    },
  );

  test(
    'relay only: media goes through coturn; with a wrong TURN secret nobody connects',
    { timeout: 120_000 },
    async () => {
      const secret = 'presence-test-secret';
      const turn = await startCoturn(secret);
      const good = await startTestServer({ turnUrls: [turn.url], turnSecret: secret, turnTtlSeconds: 600 });
      const bad = await startTestServer({
        turnUrls: [turn.url],
        turnSecret: 'not-the-secret',
        turnTtlSeconds: 600,
      });
      try {
        /** Two people in a call with `?relay=1` (iceTransportPolicy 'relay'). */
        const pair = async (baseUrl: string): Promise<{ pages: [Page, Page]; ids: [string, string] }> => {
          const [ann, ben] = [await browsers.person(), await browsers.person()];
          const link = await createRoom(ann, baseUrl, 'Ann');
          // The creator lands on the room without the flag: open it again with it (same session).
          await ann.goto(`${link}?relay=1`);
          await ann.getByTestId('composer').waitFor();
          await openRoom(ben, `${link}?relay=1`, 'Ben');
          return { pages: [ann, ben], ids: [await joinCall(ann), await joinCall(ben)] };
        };

        const ok = await pair(good.httpUrl);
        const started = Date.now();
        const [annStats] = await Promise.all([
          waitForFrames(ok.pages[0], { [ok.ids[1]]: 0 }),
          waitForFrames(ok.pages[1], { [ok.ids[0]]: 0 }),
        ]);
        console.log(`through the relay: frames after ${Date.now() - started} ms`);
        assert.equal(annStats[0]?.candidateType, 'relay', 'the pair in use is a relayed one');
        await browsers.closePeople();

        const refused = await pair(bad.httpUrl);
        await refused.pages[0].waitForTimeout(6_000);
        for (const page of refused.pages) {
          const s = await stats(page);
          assert.equal(s.length, 1, 'a peer connection exists');
          assert.equal(s[0]?.framesDecoded, 0, 'no frames without valid TURN credentials');
          assert.notEqual(s[0]?.connectionState, 'connected');
        }
        assert.match(
          turn.log(),
          /401|Unauthorized|cannot find credentials|check_stun_auth/i,
          'coturn refused the credentials',
        );
      } finally {
        await browsers.closePeople();
        await good.close();
        await bad.close();
        await turn.stop();
      }
    },
  );
}
