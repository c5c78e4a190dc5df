/**
 * What the browser tests share: Debian Chromium driven by playwright-core, the flags it runs with,
 * the page sizes, where screenshots land (test-results/), and the few steps a person takes in the
 * app that several test files take in exactly the same way. Steps that differ between files stay
 * in those files.
 */
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser, type BrowserContextOptions, type Locator, type Page } from 'playwright-core';

export const RESULTS_DIR = new URL('../../test-results/', import.meta.url).pathname;
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const LAUNCH_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};
/** Default timeout of a page's actions and waits. */
export const WAIT = 10_000;

// ---------------------------------------------------------------------------------------------
// Browser

/** Make sure test-results/ exists and launch Chromium. */
export async function launchBrowser(): Promise<Browser> {
  await mkdir(RESULTS_DIR, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS });
}

/** Give a new page the default timeout and report its uncaught errors. */
export function watchPage(page: Page, timeout = WAIT): Page {
  page.setDefaultTimeout(timeout);
  page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
  return page;
}

/** A person: a fresh browser context (own storage) with one page. */
export async function newPerson(browser: Browser, options: BrowserContextOptions = DESKTOP): Promise<Page> {
  const context = await browser.newContext(options);
  return watchPage(await context.newPage());
}

export function screenshotPath(name: string): string {
  return `${RESULTS_DIR}${name}.png`;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: screenshotPath(name) });
}

// ---------------------------------------------------------------------------------------------
// Cutting the network

/**
 * Lets a test cut a page's WebSockets and keep new ones from connecting until restored (`net`).
 * Plain JavaScript source: a serialized TypeScript function would carry the test runner's helpers.
 */
export const NETWORK_SWITCH = `(() => {
  const Native = window.WebSocket;
  const sockets = [];
  let blocked = false;
  class SwitchedWebSocket extends Native {
    constructor(url, protocols) {
      // A blocked attempt goes to a path the server refuses to upgrade, so it fails like a dead
      // network. Same origin on purpose: the app's CSP (connect-src 'self') would block any other.
      super(blocked ? new URL('/blocked-by-test', url).href.replace(/^http/, 'ws') : url, protocols);
      sockets.push(this);
    }
  }
  window.WebSocket = SwitchedWebSocket;
  window.presenceNet = {
    drop() {
      blocked = true;
      for (const socket of sockets.splice(0)) socket.close(4000, 'test: network drop');
    },
    restore() {
      blocked = false;
    },
  };
})();`;

export async function net(page: Page, action: 'drop' | 'restore'): Promise<void> {
  await page.evaluate((a) => {
    (window as unknown as { presenceNet: Record<string, () => void> }).presenceNet[a]?.();
  }, action);
}

// ---------------------------------------------------------------------------------------------
// What a person does in the app

/**
 * Create a room from the landing page, under `name` (null: keep the name the page has, e.g. an
 * account's); returns the room link shown in the room.
 */
export async function createRoomFromLanding(
  page: Page,
  baseUrl: string,
  name: string | null,
): Promise<string> {
  await page.goto(baseUrl);
  if (name !== null) await page.getByTestId('name-input').fill(name);
  await page.getByTestId('create-room').click();
  await page.waitForURL(/\/r\/[A-Za-z0-9_-]+$/);
  const link = await page.getByTestId('room-link').getAttribute('href');
  assert.ok(link, 'the room shows its link');
  return link;
}

/** As createRoomFromLanding, then wait until the room's composer is there. */
export async function createRoom(page: Page, baseUrl: string, name: string | null): Promise<string> {
  const link = await createRoomFromLanding(page, baseUrl, name);
  await page.getByTestId('composer').waitFor();
  return link;
}

/** Open a room link (with an optional query such as `?relay=1`), type a name and press Enter, wait for the composer. */
export async function enterRoomByLink(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  const input = page.getByTestId('name-input');
  await input.fill(name);
  await input.press('Enter');
  await page.getByTestId('composer').waitFor();
}

export function member(page: Page, name: string): Locator {
  return page.getByTestId('member-list').getByTestId('member-item').filter({ hasText: name });
}

export function messageWith(page: Page, text: string): Locator {
  return page.getByTestId('message-list').getByTestId('message').filter({ hasText: text });
}

// ---------------------------------------------------------------------------------------------
// Accounts

/** Register a local account over the REST API (what the account dialog does); returns its user id. */
export async function registerAccount(
  baseUrl: string,
  account: { username: string; password: string; name: string },
): Promise<string> {
  const res = await fetch(`${baseUrl}/api/accounts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(account),
  });
  assert.equal(res.status, 201, `registering ${account.username}`);
  return ((await res.json()) as { userId: string }).userId;
}

/** Open the app on `page` and log in through the account dialog; resolves once presence is set. */
export async function logInOnPage(
  page: Page,
  baseUrl: string,
  username: string,
  password: string,
): Promise<void> {
  await page.goto(baseUrl);
  await page.getByTestId('account-login').click();
  const dialog = page.getByTestId('account-dialog');
  await dialog.getByTestId('account-username').fill(username);
  await dialog.getByTestId('account-password').fill(password);
  await dialog.getByTestId('account-submit').click();
  await dialog.waitFor({ state: 'detached' });
  await page.getByTestId('account-menu').waitFor();
  // The picker shows once the server answered presence.set.
  await page.getByTestId('status-picker').waitFor();
}
