#!/usr/bin/env node
// `npm start`'s build step: build only what changed, quietly. `tsc -b` is incremental by itself
// (it checks its .tsbuildinfo); the Vite build of the web app is not, so it is skipped when no
// input is newer than the last build's index.html. `npm run build` still always builds everything.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = new URL('..', import.meta.url).pathname;

/** What the web build reads: its own sources and the built SDK and protocol it bundles. */
export const WEB_INPUTS = [
  'packages/web/src',
  'packages/web/public',
  'packages/web/index.html',
  'packages/web/vite.config.ts',
  'packages/web/package.json',
  'packages/client/dist',
  'packages/protocol/dist',
];
export const WEB_OUTPUT = 'packages/web/dist/index.html';

/** Latest modification time of a file, or of any file under a directory (0 when absent). */
export function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** True when `output` is missing or older than any of `inputs` (paths relative to `base`). */
export function isStale(base, inputs, output) {
  const built = newestMtime(join(base, output));
  if (built === 0) return true;
  return inputs.some((input) => newestMtime(join(base, input)) > built);
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

function main() {
  run('npx', ['tsc', '-b', 'packages/protocol', 'packages/client', 'packages/server']);
  if (isStale(root, WEB_INPUTS, WEB_OUTPUT)) {
    console.log('Building the web app…');
    run('npm', ['run', '--silent', 'build', '-w', '@presence/web', '--', '--logLevel', 'warn']);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
