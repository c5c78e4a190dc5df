// test-needs: chromium
/**
 * Third-party apps in a real browser: Ann is sent to the consent page by an app, allows it and is
 * redirected back with a code the app exchanges; a live notification from the app shows as a toast
 * naming it; "Apps with access" lists the app, pauses and revokes it; a developer registers an app
 * on the developer page and sees its secrets once. Screenshots land in test-results/.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { startTestServer } from '../harness.js';
import { api, exchange, pkce, registerApp, until, type Json } from '../app-kit.js';
import {
  DESKTOP,
  launchBrowser,
  logInOnPage,
  registerAccount,
  screenshot,
  watchPage,
} from './browser-kit.js';

const PASSWORD = 'correct horse battery';

let server: Awaited<ReturnType<typeof startTestServer>>;
let browser: Browser;
/** The app's own site: its callback page records what the browser brought back. */
let callback: http.Server;
let callbackUrl = '';
const callbacks: URL[] = [];

before(async () => {
  server = await startTestServer({ presenceCoalesceMs: 20 });
  browser = await launchBrowser();
  callback = http.createServer((req, res) => {
    callbacks.push(new URL(req.url ?? '/', callbackUrl));
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>Back at the app</title><h1>Back at the app</h1>');
  });
  await new Promise<void>((resolve) => callback.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(callback.address() as AddressInfo).port}/callback`;
});

after(async () => {
  await browser?.close();
  await server?.close();
  callback.closeAllConnections();
  await new Promise((r) => callback.close(r));
});

async function account(username: string, name: string): Promise<{ page: Page; token: string }> {
  await registerAccount(server.httpUrl, { username, password: PASSWORD, name });
  const login = await api(server.httpUrl, 'POST', '/api/login', null, { username, password: PASSWORD });
  const page = watchPage(await (await browser.newContext(DESKTOP)).newPage());
  await logInOnPage(page, server.httpUrl, username, PASSWORD);
  return { page, token: login.body['token'] as string };
}

test('consent page → redirect with code → exchange; toast; Apps with access: pause, revoke', async () => {
  const dev = await account('appdev', 'Dev');
  const ann = await account('ann', 'Ann');
  const app = await registerApp(server.httpUrl, dev.token, {
    name: 'Team Calendar',
    redirectUri: callbackUrl,
  });
  const { verifier, challenge } = pkce();
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: app.id,
    redirect_uri: callbackUrl,
    state: 'st4te',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });

  // A redirect URI the app did not register: an error on the page, no way back to it.
  const bad = new URLSearchParams(q);
  bad.set('redirect_uri', 'https://evil.example/cb');
  await ann.page.goto(`${server.httpUrl}/oauth/authorize?${bad}`);
  await ann.page.getByTestId('consent-error').waitFor();
  assert.equal(await ann.page.getByTestId('consent-allow').count(), 0);

  await ann.page.goto(`${server.httpUrl}/oauth/authorize?${q}`);
  const title = ann.page.getByTestId('consent-title');
  await title.waitFor();
  assert.match((await title.textContent()) ?? '', /Team Calendar wants to see when you are online/);
  await screenshot(ann.page, 'apps-consent');
  await ann.page.getByTestId('consent-share-status').check();
  await ann.page.getByTestId('consent-allow').click();
  await ann.page.waitForURL((u) => u.toString().startsWith(callbackUrl));
  const back = callbacks.at(-1);
  assert.ok(back);
  assert.equal(back.searchParams.get('state'), 'st4te');
  const appUserId = await exchange(server.httpUrl, app, back.searchParams.get('code') ?? '', verifier);
  assert.match(appUserId, /^[A-Za-z0-9_-]{43}$/);

  // Settings → Apps with access, reached from the account menu.
  await ann.page.goto(server.httpUrl);
  await ann.page.getByTestId('account-menu').click();
  await ann.page.getByTestId('account-apps').click();
  const row = ann.page.getByTestId('app-grant').filter({ hasText: 'Team Calendar' });
  await row.waitFor();
  assert.match((await row.textContent()) ?? '', /sees your status text/);

  // A live notification from the app: a toast naming it.
  const sent = await api(server.httpUrl, 'POST', '/api/apps/notify', app.clientSecret, {
    user: appUserId,
    text: 'Stand-up in 5 minutes',
  });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const toast = ann.page.getByTestId('toast').filter({ hasText: 'Team Calendar: Stand-up in 5 minutes' });
  await toast.waitFor();
  await screenshot(ann.page, 'apps-settings-toast');

  await row.getByTestId('app-grant-active').uncheck();
  await until('paused', async () => {
    const r = await api(server.httpUrl, 'GET', '/api/me/apps', ann.token);
    return (r.body['grants'] as Json[])[0]?.['paused'] === true;
  });
  await row.filter({ hasText: 'paused' }).waitFor();
  const refused = await api(server.httpUrl, 'POST', '/api/apps/notify', app.clientSecret, {
    user: appUserId,
    text: 'x',
  });
  assert.equal(refused.status, 403);

  await row.getByTestId('app-grant-revoke').click();
  await ann.page.getByTestId('apps-settings-empty').waitFor();
  const r = await api(server.httpUrl, 'GET', '/api/me/apps', ann.token);
  assert.deepEqual(r.body['grants'], []);
});

test('the developer page registers an app and shows its secrets once', async () => {
  const dev = await account('builder', 'Builder');
  await dev.page.getByTestId('account-menu').click();
  await dev.page.getByTestId('account-developer').click();
  await dev.page.getByTestId('dev-name').fill('Status Board');
  await dev.page.getByTestId('dev-redirects').fill('https://board.example/cb');
  await dev.page.getByTestId('dev-register').click();
  const secret = await dev.page.getByTestId('dev-client-secret').textContent();
  assert.match(secret ?? '', /^pas_app_/);
  assert.match((await dev.page.getByTestId('dev-signing-secret').textContent()) ?? '', /^whsec_/);
  await dev.page.getByTestId('dev-app').filter({ hasText: 'Status Board' }).waitFor();
  await screenshot(dev.page, 'apps-developer');
  const listed = await api(server.httpUrl, 'GET', '/api/apps', dev.token);
  assert.deepEqual(
    (listed.body['apps'] as Json[]).map((a) => a['name']),
    ['Status Board'],
  );
});
