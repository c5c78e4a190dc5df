// Makes sure a service or program a selected test declared (scripts/test-files.mjs NEEDS) is there:
// installs missing Debian packages when root, starts this machine's PostgreSQL or Redis when down.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

function fail(message) {
  console.error(`✗ ${message}`);
  process.exit(1);
}

function ensureDebianPackage(binary, pkg) {
  if (existsSync(binary)) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot) fail(`${binary} is missing and this is not root: install the Debian package "${pkg}".`);
  console.log(`▶ ${binary} is missing: installing Debian package "${pkg}" with apt-get`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', pkg], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

/** True when something accepts TCP connections on host:port within a second. */
function reachable(host, port) {
  const probe = `require('net').connect(${port}, '${host}').on('connect', () => process.exit(0)).on('error', () => process.exit(1)); setTimeout(() => process.exit(1), 1000)`;
  return spawnSync(process.execPath, ['-e', probe]).status === 0;
}

/** Start this machine's PostgreSQL cluster if it is installed but down. */
function ensurePostgres() {
  if (process.env.PRESENCE_TEST_DATABASE_URL || reachable('127.0.0.1', 5432)) return;
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  if (versions.length === 0 || !existsSync('/usr/bin/pg_ctlcluster')) {
    fail(
      'PostgreSQL is not reachable on 127.0.0.1:5432 and not installed here; set PRESENCE_TEST_DATABASE_URL.',
    );
  }
  console.log(`▶ PostgreSQL is down: starting cluster ${versions[0]}/main with pg_ctlcluster`);
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0], 'main', 'start'], {
    stdio: 'inherit',
  });
}

/** Start a loopback-only, non-persistent Redis if it is installed but down. */
function ensureRedis() {
  if (process.env.PRESENCE_TEST_REDIS_URL || reachable('127.0.0.1', 6379)) return;
  if (!existsSync('/usr/bin/redis-server')) {
    fail('Redis is not reachable on 127.0.0.1:6379 and not installed here; set PRESENCE_TEST_REDIS_URL.');
  }
  console.log('▶ Redis is down: starting redis-server on 127.0.0.1:6379');
  execFileSync(
    'redis-server',
    ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no'],
    { stdio: 'inherit' },
  );
}

const ENSURE = {
  postgres: ensurePostgres,
  redis: ensureRedis,
  chromium: () => ensureDebianPackage('/usr/bin/chromium', 'chromium'),
  // The call tests start a real TURN server and, inside their own loopback-only network
  // namespace, cut a participant's media ports with nftables.
  coturn: () => ensureDebianPackage('/usr/bin/turnserver', 'coturn'),
  nftables: () => ensureDebianPackage('/usr/sbin/nft', 'nftables'),
  janus: () => ensureDebianPackage('/usr/bin/janus', 'janus'),
};

/** Ensure each of `needs` (names from NEEDS), in a fixed order. */
export function ensureNeeds(needs) {
  for (const [name, ensure] of Object.entries(ENSURE)) if (needs.has(name)) ensure();
}
