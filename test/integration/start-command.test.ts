// `npm start` and the `presence` command as a newcomer meets them (issue 11, item 18): the web
// build is skipped when nothing it reads changed, and `presence --help` names `presence admin`.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
// @ts-expect-error -- a plain .mjs script without type declarations
import { isStale } from '../../scripts/build-changed.mjs';

const stale = isStale as (base: string, inputs: string[], output: string) => boolean;
const root = new URL('../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'presence-start-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(path: string, secondsAgo: number): void {
  const full = join(dir, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, 'x');
  const t = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(full, t, t);
}

test('the web build is skipped when no input is newer than the last build, and runs otherwise', () => {
  const inputs = ['src', 'index.html'];
  file('src/a/deep.ts', 100);
  file('index.html', 90);
  assert.equal(stale(dir, inputs, 'dist/index.html'), true, 'never built');
  file('dist/index.html', 50);
  assert.equal(stale(dir, inputs, 'dist/index.html'), false, 'nothing changed since the build');
  file('src/a/deep.ts', 10);
  assert.equal(stale(dir, inputs, 'dist/index.html'), true, 'a nested source changed');
});

test('npx presence --help lists the admin command', () => {
  // The link npm makes for the workspace's bin (it exists before the first build).
  const out = execFileSync(join(root, 'node_modules/.bin/presence'), ['--help'], { encoding: 'utf8' });
  assert.match(out, /^ {7}presence admin <noun> <verb>/m);
  const admin = execFileSync(join(root, 'node_modules/.bin/presence'), ['admin', '--help'], {
    encoding: 'utf8',
  });
  assert.match(admin, /Usage: presence admin/);
});
