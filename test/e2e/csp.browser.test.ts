/**
 * The web app under its Content-Security-Policy in real Chromium (issue 11, item 13): the landing
 * page and a room (chat with rendered markdown, avatars) load and work without a single CSP
 * violation. A violation planted on purpose at the end shows the watch would have seen one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer } from '../harness.js';
import { createRoom, launchBrowser, messageWith, newPerson, screenshot } from './browser-kit.js';

/** Records every securitypolicyviolation event of the page, from before its first script runs. */
const WATCH_VIOLATIONS = `(() => {
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
  });
})();`;

test(
  'landing page and a room load and work under the CSP, with no violation',
  { timeout: 60_000 },
  async () => {
    const srv = await startTestServer();
    const browser = await launchBrowser();
    try {
      const page = await newPerson(browser);
      await page.addInitScript(WATCH_VIOLATIONS);
      const consoleCsp: string[] = [];
      page.on('console', (m) => {
        if (/Content Security Policy/i.test(m.text())) consoleCsp.push(m.text());
      });
      const violations = (): Promise<string[]> =>
        page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);

      const res = await page.goto(srv.httpUrl);
      assert.match(res?.headers()['content-security-policy'] ?? '', /script-src 'self'/);
      await page.getByTestId('create-room').waitFor();
      await screenshot(page, 'csp-landing');
      assert.deepEqual(await violations(), [], 'landing page');

      await createRoom(page, srv.httpUrl, 'Ada');
      const composer = page.getByTestId('composer');
      await composer.fill('**bold** and a [link](https://example.org)');
      await composer.press('Enter');
      await messageWith(page, 'bold').locator('strong').waitFor();
      await screenshot(page, 'csp-room');
      assert.deepEqual(await violations(), [], 'room page');
      assert.deepEqual(consoleCsp, []);

      // The watch works: an inline style attribute set through markup is a violation.
      await page.evaluate(() => {
        const div = document.createElement('div');
        div.innerHTML = '<span style="color: red">x</span>';
        document.body.append(div);
      });
      await page.waitForFunction(
        () => (window as unknown as { __cspViolations: string[] }).__cspViolations.length > 0,
      );
      assert.match((await violations())[0] ?? '', /^style-src/);
    } finally {
      await browser.close();
      await srv.close();
    }
  },
);
