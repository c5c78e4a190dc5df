#!/usr/bin/env node
// The one test command (README: `npm test`): installs what the machine lacks, checks format, lint
// and types, builds, then runs every *.test.ts with node's test runner. Extra arguments are passed
// as file filters: `npm test -- chat` runs only test files whose path contains "chat".
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const quick = process.argv.includes('--no-checks');

function step(title, cmd, args, env = {}) {
  console.log(`\n▶ ${title}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    console.error(`✗ ${title} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status ?? 1);
  }
  console.log(`✓ ${title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

function ensureDebianPackage(binary, pkg) {
  if (existsSync(binary)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) {
    console.error(`✗ ${binary} is missing and this is not root: install the Debian package "${pkg}".`);
    process.exit(1);
  }
  console.log(`▶ ${binary} is missing: installing Debian package "${pkg}" with apt-get`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function findTests(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

/** True when something accepts TCP connections on host:port within a second. */
function reachable(host, port) {
  const probe = `require('net').connect(${port}, '${host}').on('connect', () => process.exit(0)).on('error', () => process.exit(1)); setTimeout(() => process.exit(1), 1000)`;
  return spawnSync(process.execPath, ['-e', probe]).status === 0;
}

/** The integration tests need PostgreSQL; start this machine's cluster if it is installed but down. */
function ensurePostgres() {
  if (process.env.PRESENCE_TEST_DATABASE_URL || reachable('127.0.0.1', 5432)) return;
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  if (versions.length === 0 || !existsSync('/usr/bin/pg_ctlcluster')) {
    console.error(
      '✗ PostgreSQL is not reachable on 127.0.0.1:5432 and not installed here; set PRESENCE_TEST_DATABASE_URL.',
    );
    process.exit(1);
  }
  console.log(`▶ PostgreSQL is down: starting cluster ${versions[0]}/main with pg_ctlcluster`);
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0], 'main', 'start'], {
    stdio: 'inherit',
  });
}

ensureDebianPackage('/usr/bin/chromium', 'chromium');
// The call tests (test/e2e/calls.browser.test.ts) start a real TURN server and, inside their own
// loopback-only network namespace, cut a participant's media ports with nftables.
ensureDebianPackage('/usr/bin/turnserver', 'coturn');
ensureDebianPackage('/usr/sbin/nft', 'nftables');
ensurePostgres();

if (!quick) {
  step('format check (prettier)', 'npx', ['prettier', '--check', '--log-level', 'warn', '.']);
  step('lint (eslint)', 'npx', ['eslint', '--max-warnings=0', '.']);
  step('layer map (scripts/check-layers.mjs)', process.execPath, ['scripts/check-layers.mjs']);
  step('build (tsc -b, vite)', 'npm', ['run', '--silent', 'build']);
  step('typecheck (web, tests)', 'npx', ['tsc', '-p', 'packages/web', '--noEmit']);
  step('typecheck (tests)', 'npx', ['tsc', '-p', 'test', '--noEmit']);
}

const files = [...findTests(join(root, 'packages'), []), ...findTests(join(root, 'test'), [])]
  .filter((f) => filters.length === 0 || filters.some((flt) => f.includes(flt)))
  .sort();
if (files.length === 0) {
  console.error('✗ no test files matched');
  process.exit(1);
}
step(
  `tests (${files.length} files)`,
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { PRESENCE_LOG_LEVEL: process.env.PRESENCE_LOG_LEVEL ?? 'silent' },
);
