#!/usr/bin/env node
// The one test command (README: "Tests"). `npm test` is the whole suite: format, lint, build and
// type checks, then every *.test.ts with node's test runner. Options:
//   --level=unit|integration|e2e|media  only tests of that level (repeatable or comma-separated); skips the
//                                 checks. `npm run test:unit` / `test:integration` / `test:e2e`.
//   --no-checks                   skip format, lint, build and typecheck.
//   anything else                 a file filter: `npm test -- chat` runs test files whose path
//                                 contains "chat".
// Services and programs (PostgreSQL, Redis, Chromium, coturn, nftables, Janus) are checked, started
// or installed only when a selected test needs them (scripts/test-files.mjs says how it knows).
import { spawnSync } from 'node:child_process';
import { findTestFiles, LEVELS, levelOf, needsOf, SEPARATE_LEVELS } from './test-files.mjs';
import { ensureNeeds } from './test-services.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const levels = args
  .filter((a) => a.startsWith('--level='))
  .flatMap((a) => a.slice('--level='.length).split(','));
const filters = args.filter((a) => !a.startsWith('--'));
const checks = !args.includes('--no-checks') && levels.length === 0;

for (const level of levels) {
  if (!LEVELS.includes(level)) fail(`unknown level "${level}" (known: ${LEVELS.join(', ')})`);
}

function fail(message) {
  console.error(`✗ ${message}`);
  process.exit(1);
}

function step(title, cmd, args, env = {}) {
  console.log(`\n▶ ${title}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) fail(`${title} failed (exit ${r.status ?? r.signal})`);
  console.log(`✓ ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

const all = findTestFiles(root);
const homeless = all.filter((f) => levelOf(f) === undefined);
if (homeless.length > 0) {
  fail(
    `test files outside a level folder (packages/<pkg>/test/unit|integration/, test/integration/, test/e2e/, test/media/):\n  ${homeless.join('\n  ')}`,
  );
}
const files = all
  .filter((f) => levels.length === 0 || levels.includes(levelOf(f)))
  .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)));
if (files.length === 0) fail('no test files matched');

const needs = new Set();
try {
  for (const f of files) for (const need of needsOf(root, f)) needs.add(need);
} catch (err) {
  fail(err.message);
}
ensureNeeds(needs);

if (checks) {
  step('format check (prettier)', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']);
  step('lint (eslint)', 'npx', ['eslint', '--max-warnings=0', '.']);
  step('layer map (scripts/check-layers.mjs)', process.execPath, ['scripts/check-layers.mjs']);
  step('build (tsc -b, vite)', 'npm', ['run', '--silent', 'build']);
  step('typecheck (web, tests)', 'npx', ['tsc', '-p', 'packages/web', '--noEmit']);
  step('typecheck (tests)', 'npx', ['tsc', '-p', 'test', '--noEmit']);
} else if (files.some((f) => levelOf(f) === 'e2e' || (levelOf(f) === 'media' && f.includes('.browser.')))) {
  // Browser tests load the built web app: build what changed (`npm start`'s build step).
  step('build what changed (scripts/build-changed.mjs)', process.execPath, ['scripts/build-changed.mjs']);
} else {
  // Tests run the sources through tsx, but `@presence/protocol` resolves to its build, and the
  // `presence` command runs the server's (tsc -b is cheap when up to date).
  const packages = files.some((f) => levelOf(f) === 'integration' || levelOf(f) === 'media')
    ? ['packages/protocol', 'packages/client', 'packages/server']
    : ['packages/protocol'];
  step('build (tsc -b)', 'npx', ['tsc', '-b', ...packages]);
}

const runTests = (title, selected) =>
  step(
    `${title} (${LEVELS.map((l) => `${selected.filter((f) => levelOf(f) === l).length} ${l}`)
      .filter((c) => !c.startsWith('0 '))
      .join(', ')})`,
    process.execPath,
    ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...selected],
    { PRESENCE_LOG_LEVEL: process.env.PRESENCE_LOG_LEVEL ?? 'silent' },
  );

if (needs.size > 0) console.log(`\nservices and programs: ${[...needs].join(', ')}`);
const apart = files.filter((f) => SEPARATE_LEVELS.includes(levelOf(f)));
const together = files.filter((f) => !apart.includes(f));
if (together.length > 0) runTests('tests', together);
if (apart.length > 0) runTests('media tests', apart);
