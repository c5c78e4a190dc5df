import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { ConfigError, loadConfig, OPTIONS, type Config } from '../../src/index.js';
import { loadOrCreateSecret } from '../../src/ops/server-secret.js';

test('defaults < config file < environment < flags', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'presence-config-'));
  try {
    const file = join(dir, 'presence.json');
    await writeFile(
      file,
      JSON.stringify({ port: 1111, tcpPort: 2222, domain: 'file.example', maxTextLength: 10 }),
    );
    const config = loadConfig({
      argv: ['--config', file, '--port', '3333', '--max-text-length=20'],
      env: { PRESENCE_TCP_PORT: '4444', PRESENCE_PORT: '5555', DATABASE_URL: 'postgres://x@127.0.0.1/db' },
    });
    assert.equal(config.port, 3333, 'flag beats env and file');
    assert.equal(config.tcpPort, 4444, 'env beats file');
    assert.equal(config.domain, 'file.example', 'file beats default');
    assert.equal(config.maxTextLength, 20);
    assert.equal(config.databaseUrl, 'postgres://x@127.0.0.1/db', 'DATABASE_URL is honoured');
    assert.equal(config.maxFrameBytes, 65_536, 'default');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('invalid configuration is refused with a clear message', () => {
  assert.throws(
    () => loadConfig({ argv: ['--port', 'eighty'] }),
    (e: unknown) => e instanceof ConfigError && /port/.test(e.message),
  );
  assert.throws(() => loadConfig({ argv: ['--no-such-flag', '1'] }), /unknown flag --no-such-flag/);
  assert.throws(
    () => loadConfig({ argv: ['--federation', 'true', '--redis-url', 'redis://127.0.0.1:6379'] }),
    /federation with a Redis cluster/,
  );
  assert.throws(() => loadConfig({ env: { PRESENCE_LOG_LEVEL: 'loud' } }), /logLevel/);
  assert.throws(
    () => loadConfig({ argv: ['--config', '/nonexistent/presence.json'] }),
    /cannot read config file/,
  );
});

test('every option has a distinct flag and environment variable, and --help lists them all', () => {
  assert.equal(new Set(OPTIONS.map((o) => o.flag)).size, OPTIONS.length);
  assert.equal(new Set(OPTIONS.map((o) => o.env)).size, OPTIONS.length);
  const cli = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));
  const help = spawnSync(process.execPath, ['--import', 'tsx', cli, '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0);
  for (const o of OPTIONS) {
    assert.ok(help.stdout.includes(o.flag), `--help mentions ${o.flag}`);
    assert.ok(help.stdout.includes(o.env), `--help mentions ${o.env}`);
  }
});

test('the Config type is the option table: same keys, each typed by its schema', () => {
  // Checked by the type checker (npm test's typecheck step): each line fails to compile when the
  // type and the table drift apart, e.g. with a hand-written Config beside the table.
  type Keys = (typeof OPTIONS)[number]['key'];
  const sameKeys: [Keys] extends [keyof Config] ? ([keyof Config] extends [Keys] ? true : false) : false =
    true;
  const level: Config['logLevel'] extends 'info' | 'silent' | 'debug' | 'trace' | 'warn' | 'error' | 'fatal'
    ? true
    : false = true;
  const urls: Config['turnUrls'] extends string[] ? true : false = true;
  assert.ok(sameKeys && level && urls);
  assert.deepEqual(Object.keys(loadConfig({ argv: [], env: {} })).sort(), OPTIONS.map((o) => o.key).sort());
});

test('the README configuration table lists every option', async () => {
  const readme = await readFile(new URL('../../../../README.md', import.meta.url), 'utf8');
  for (const o of OPTIONS) assert.ok(readme.includes(`\`${o.env}\``), `README lists ${o.env}`);
});

test('the server secret is generated once, kept with mode 0600 and reused', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'presence-secret-'));
  try {
    const first = loadOrCreateSecret(dir);
    const second = loadOrCreateSecret(dir);
    assert.equal(first.length, 32);
    assert.deepEqual(Buffer.from(second), Buffer.from(first));
    assert.equal((await stat(join(dir, 'server-secret'))).mode & 0o777, 0o600);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
