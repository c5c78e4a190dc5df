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

/** How long the child may take to exit after printing its result: event-loop drain, no more. */
const EXIT_AFTER_RESULT_MS = 3_000;

test('close() tells every client, closes every socket and leaves no handle open', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // Timed from the child's last line (its work is done, every client closed), not from its start:
  // start-up time under load says nothing about a handle left open.
  let resultAt = 0;
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    if (resultAt === 0 && out.includes('"notified"')) resultAt = Date.now();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    const started = Date.now();
    const watchdog = setInterval(() => {
      const problem =
        resultAt > 0
          ? Date.now() - resultAt > EXIT_AFTER_RESULT_MS &&
            `still running ${EXIT_AFTER_RESULT_MS} ms after closing everything: a handle is open`
          : Date.now() - started > 60_000 && 'no result within 60 s';
      if (!problem) return;
      clearInterval(watchdog);
      child.kill('SIGKILL');
      reject(new Error(`${problem}\n${out}`));
    }, 100);
    child.once('exit', (c) => {
      clearInterval(watchdog);
      resolve(c);
    });
  });
  assert.equal(code, 0, out);
  const result = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as { notified: boolean; wsClose: number };
  assert.equal(result.notified, true, 'both clients got SERVER_SHUTTING_DOWN');
  assert.equal(result.wsClose, 1001);
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
