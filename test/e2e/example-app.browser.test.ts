// test-needs: chromium
/**
 * The done-when of issue 17: the example app in examples/presence-app registers itself, gets a
 * browser user's consent, and receives that user's online → away → offline by webhook and by
 * stream, each verified by the app itself (signature, state, PKCE).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startTestServer } from '../harness.js';
import { api, until, type Json } from '../app-kit.js';
import {
  DESKTOP,
  launchBrowser,
  logInOnPage,
  registerAccount,
  screenshot,
  watchPage,
} from './browser-kit.js';

const APP = fileURLToPath(new URL('../../examples/presence-app/app.mjs', import.meta.url));
const PASSWORD = 'correct horse battery';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
let child: ChildProcess | undefined;

before(async () => {
  server = await startTestServer({
    sessionGraceMs: 500,
    presenceCoalesceMs: 20,
    appsWebhookIntervalMs: 300,
    appsAllowPrivateWebhooks: true,
  });
  browser = await launchBrowser();
});
after(async () => {
  child?.kill();
  await browser?.close();
  await server?.close();
});

test('the example app gets consent and hears online → away → offline by webhook and by stream', async () => {
  await registerAccount(server.httpUrl, { username: 'exampledev', password: PASSWORD, name: 'Dev' });
  const login = await api(server.httpUrl, 'POST', '/api/login', null, {
    username: 'exampledev',
    password: PASSWORD,
  });
  const lines: Json[] = [];
  child = spawn(process.execPath, [APP], {
    env: { ...process.env, PRESENCE_URL: server.httpUrl, PRESENCE_TOKEN: login.body['token'] as string },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    let nl: number;
    while ((nl = out.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(out.slice(0, nl)) as Json);
      out = out.slice(nl + 1);
    }
  });
  await until('the app is ready', () => lines.some((l) => l['event'] === 'ready'), 15_000);
  const loginUrl = lines.find((l) => l['event'] === 'ready')?.['login'] as string;

  await registerAccount(server.httpUrl, { username: 'carol', password: PASSWORD, name: 'Carol' });
  const context = await browser.newContext(DESKTOP);
  const page = watchPage(await context.newPage());
  await logInOnPage(page, server.httpUrl, 'carol', PASSWORD);
  await page.goto(loginUrl);
  await page.getByTestId('consent-title').waitFor();
  await page.getByTestId('consent-allow').click();
  await page.getByText('Connected to Presence').waitFor();
  await screenshot(page, 'apps-example-connected');
  const user = lines.find((l) => l['event'] === 'connected')?.['user'] as string;
  assert.match(user, /^[A-Za-z0-9_-]{43}$/);

  // Carol is online in her open tab (the consent page's tab went to the app; open Presence again).
  const tab = watchPage(await context.newPage());
  await tab.goto(server.httpUrl);
  await tab.getByTestId('status-picker').waitFor();
  /** The latest state the app heard of Carol by `via`. */
  const heard = (via: string, state: string) =>
    lines.filter((l) => l['event'] === via && l['user'] === user).at(-1)?.['state'] === state;
  for (const via of ['webhook', 'stream']) await until(`${via}: online`, () => heard(via, 'online'), 10_000);

  await tab.getByTestId('status-toggle').click();
  await tab.getByTestId('status-state-away').click();
  for (const via of ['webhook', 'stream']) await until(`${via}: away`, () => heard(via, 'away'), 10_000);

  await context.close();
  for (const via of ['webhook', 'stream'])
    await until(`${via}: offline`, () => heard(via, 'offline'), 10_000);

  // In order, and the same story both ways.
  for (const via of ['webhook', 'stream']) {
    const states = lines.filter((l) => l['event'] === via && l['user'] === user).map((l) => l['state']);
    const changes = states.filter((s, i) => s !== states[i - 1]);
    assert.deepEqual(changes.slice(-3), ['online', 'away', 'offline'], `${via}: ${states.join(' ')}`);
  }
  assert.ok(!JSON.stringify(lines).includes('carol@'), 'the app never saw the real user id');
});
