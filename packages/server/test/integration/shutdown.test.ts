import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { RawClient } from '../../../../test/raw-client.js';
import { spawnServer } from '../../../../test/server-process.js';

const CHILD = fileURLToPath(new URL('../../../../test/fixtures/shutdown-child.ts', import.meta.url));

test('close() tells every client, closes every socket and leaves no handle open', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const started = Date.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the process did not exit by itself within 10 s: a handle is still open\n${out}`));
    }, 10_000);
    child.once('exit', (c) => {
      clearTimeout(timer);
      resolve(c);
    });
  });
  assert.equal(code, 0, out);
  const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { notified: boolean; wsClose: number };
  assert.equal(result.notified, true, 'both clients got SERVER_SHUTTING_DOWN');
  assert.equal(result.wsClose, 1001);
  assert.ok(Date.now() - started < 10_000);
});

test('SIGTERM shuts the CLI down gracefully with exit code 0', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'presence-sigterm-'));
  try {
    const server = await spawnServer(['--data-dir', dataDir]);
    const c = await RawClient.tcp(server.tcpPort);
    await c.hello('Bye');
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    await c.waitClosed();
    assert.ok(c.received.some((m) => m['code'] === 'SERVER_SHUTTING_DOWN'));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
