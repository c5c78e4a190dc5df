/**
 * People in a call, for the browser call tests: Chromium with fake camera and microphone, one
 * browser context (own identity) per person, spread over two browser processes, which this 2-core
 * machine handles up to 8 fake-video pages (RECIPES.md).
 */
import assert from 'node:assert/strict';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_PATH, DESKTOP, LAUNCH_ARGS, NETWORK_SWITCH, watchPage } from './browser-kit.js';

export {
  createRoomFromLanding as createRoom,
  enterRoomByLink as openRoom,
  net,
  RESULTS_DIR,
  screenshot,
} from './browser-kit.js';

const WAIT = 15_000;

const CALL_LAUNCH_ARGS = [
  ...LAUNCH_ARGS,
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
  // Without it Chromium gathers no 127.0.0.1 candidates, and loopback is all the namespace has.
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
  // Several pages share a browser; none of them may be throttled as "in the background".
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

export interface PeerStats {
  participant: string;
  framesDecoded: number;
  connectionState: string;
  localPorts: number[];
  candidateType: string | null;
}

export class CallBrowsers {
  private readonly browsers: Browser[] = [];
  private readonly contexts: BrowserContext[] = [];
  private next = 0;

  /** `extraArgs`: more Chromium flags, e.g. a small fake camera (`--use-file-for-fake-video-capture`). */
  async launch(count = 2, extraArgs: string[] = []): Promise<void> {
    for (let i = 0; i < count; i++) {
      this.browsers.push(
        await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CALL_LAUNCH_ARGS, ...extraArgs] }),
      );
    }
  }

  /** A fresh person (own context, so own session) in the next browser, round robin. */
  async person(): Promise<Page> {
    const browser = this.browsers[this.next++ % this.browsers.length];
    assert.ok(browser, 'browsers launched');
    const context = await browser.newContext(DESKTOP);
    this.contexts.push(context);
    await context.addInitScript({ content: NETWORK_SWITCH });
    return watchPage(await context.newPage(), WAIT);
  }

  /** Close every person's context (their sessions end; the browsers stay for the next test). */
  async closePeople(): Promise<void> {
    for (const context of this.contexts.splice(0)) await context.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.closePeople();
    for (const browser of this.browsers.splice(0)) await browser.close().catch(() => undefined);
  }
}

/** Press the header's call button and wait for our own tile; returns our participant id. */
export async function joinCall(page: Page): Promise<string> {
  await page.getByTestId('join-call').click();
  const self = page.getByTestId('call-grid').locator('[data-testid="call-tile"][data-self="true"]').first();
  await self.waitFor();
  await page.waitForFunction(
    () =>
      document
        .querySelector('[data-testid="call-tile"][data-self="true"]')
        ?.getAttribute('data-participant') !== 'self',
  );
  const id = await self.getAttribute('data-participant');
  assert.ok(id, 'own tile names the participant');
  return id;
}

export function stats(page: Page): Promise<PeerStats[]> {
  return page.evaluate(() => {
    const hook = (window as unknown as { __presenceCall?: { stats(): Promise<PeerStats[]> } }).__presenceCall;
    return hook ? hook.stats() : [];
  });
}

/** Frames decoded from `participant` so far (0 when there is no connection to it). */
export async function framesFrom(page: Page, participant: string): Promise<number> {
  return (await stats(page)).find((s) => s.participant === participant)?.framesDecoded ?? 0;
}

/** Wait until the page has decoded more than `above[id]` frames from every listed participant. */
export async function waitForFrames(
  page: Page,
  above: Record<string, number>,
  timeoutMs = 20_000,
): Promise<PeerStats[]> {
  const deadline = Date.now() + timeoutMs;
  let last: PeerStats[] = [];
  while (Date.now() < deadline) {
    last = await stats(page);
    const ok = Object.entries(above).every(([id, min]) => {
      const s = last.find((x) => x.participant === id);
      return s !== undefined && s.framesDecoded > min;
    });
    if (ok) return last;
    await page.waitForTimeout(250);
  }
  assert.fail(
    `frames not decoded in ${timeoutMs} ms; wanted more than ${JSON.stringify(above)}, got ${JSON.stringify(last)}`,
  );
}

/** The tile of a participant as another page shows it. */
export function tileOf(page: Page, participant: string) {
  return page.locator(`[data-testid="call-tile"][data-kind="camera"][data-participant="${participant}"]`);
}
