import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';

/**
 * Security headers on the web app and the API (issue 11, item 13), and the built app fitting its
 * Content-Security-Policy: no inline script or style that the policy would block.
 */

const WEB_DIST = new URL('../../../web/dist/', import.meta.url);

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.close();
});

function directives(csp: string | null): Map<string, string> {
  assert.ok(csp, 'a Content-Security-Policy header');
  return new Map(
    csp.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values.join(' ')];
    }),
  );
}

function assertHardened(res: Response, what: string): void {
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  assert.equal(res.headers.get('x-frame-options'), 'DENY', what);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what);
  const permissions = res.headers.get('permissions-policy') ?? '';
  for (const feature of ['camera', 'microphone', 'display-capture']) {
    assert.match(permissions, new RegExp(`(^|, )${feature}=\\(self\\)`), `${what}: ${feature} for the app`);
  }
  assert.match(permissions, /geolocation=\(\)/, what);
}

test('the web app, its assets, room links and the API all carry the security headers', async () => {
  const html = await readFile(new URL('index.html', WEB_DIST), 'utf8');
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  assert.ok(asset, 'the built index.html loads its script from /assets');
  const paths = [
    '/',
    '/r/someroomid',
    '/r/someroomid@b.example',
    asset,
    '/api/rooms',
    '/api/rooms/nosuchroom',
    '/healthz',
    '/nope.txt',
  ];
  for (const path of paths) {
    const res = await fetch(`${srv.httpUrl}${path}`);
    await res.arrayBuffer();
    assertHardened(res, path);
    const csp = directives(res.headers.get('content-security-policy'));
    assert.equal(csp.get('default-src'), "'self'", path);
    assert.equal(csp.get('script-src'), "'self'", path);
    assert.equal(csp.get('style-src'), "'self'", path);
    assert.equal(csp.get('frame-ancestors'), "'none'", path);
    assert.equal(csp.get('object-src'), "'none'", path);
    assert.equal(csp.get('connect-src'), "'self'", path);
  }
  // A room of another server (`/r/ROOM@SERVER`) is an app route, not a missing file.
  const remoteRoom = await fetch(`${srv.httpUrl}/r/someroomid@b.example`);
  assert.equal(remoteRoom.status, 200);
  assert.match(remoteRoom.headers.get('content-type') ?? '', /^text\/html/);
  assert.equal(await remoteRoom.text(), html);
  assert.equal((await fetch(`${srv.httpUrl}/nope.txt`)).status, 404);
  // Pages with a stricter policy of their own keep it.
  const docs = await fetch(`${srv.httpUrl}/api/docs`);
  await docs.text();
  assertHardened(docs, '/api/docs');
  assert.equal(docs.headers.get('content-security-policy'), "default-src 'none'; style-src 'unsafe-inline'");
  const avatar = await fetch(`${srv.httpUrl}/avatars/alice%40localhost.svg`);
  await avatar.text();
  assert.match(avatar.headers.get('content-security-policy') ?? '', /^default-src 'none'/);
});

test('the built web app has nothing inline that its policy would block', async () => {
  const html = await readFile(new URL('index.html', WEB_DIST), 'utf8');
  for (const script of html.matchAll(/<script\b[^>]*>/g)) {
    assert.match(script[0], /\ssrc="\//, `external same-origin scripts only: ${script[0]}`);
  }
  assert.doesNotMatch(html, /<style\b/, 'no inline <style>');
  assert.doesNotMatch(html, /\sstyle=/, 'no style attributes');
  assert.doesNotMatch(html, /\son[a-z]+=/, 'no inline event handlers');
  assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'nothing from another origin');
});

test('frameAncestors lets named origins frame the app (and drops X-Frame-Options)', async () => {
  const framed = await startTestServer({ frameAncestors: ['https://intranet.example.org'] });
  try {
    const res = await fetch(`${framed.httpUrl}/`);
    await res.text();
    assert.equal(
      directives(res.headers.get('content-security-policy')).get('frame-ancestors'),
      'https://intranet.example.org',
    );
    assert.equal(res.headers.get('x-frame-options'), null);
  } finally {
    await framed.close();
  }
  await assert.rejects(startTestServer({ frameAncestors: ['javascript:alert(1)'] }), /frameAncestors/);
});
