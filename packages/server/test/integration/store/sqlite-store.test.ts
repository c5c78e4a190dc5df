import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../../src/store/open-store.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import { runStoreContract } from './store-contract.js';
import { range, seqs } from './store-fixtures.js';

let dir = '';
let n = 0;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-sqlite-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

runStoreContract('sqlite', async () => {
  // A fresh file per test, in a directory that does not exist yet (the store creates it).
  const store = await openSqliteStore(join(dir, `t${++n}`, 'presence.sqlite'));
  await store.migrate();
  return { store, cleanup: () => store.close() };
});

test('openStore without a postgres URL opens ${dataDir}/presence.sqlite, migrated', async () => {
  const dataDir = join(dir, 'open-store', 'data');
  const store = await openStore({ dataDir, databaseUrl: 'file:ignored' });
  try {
    assert.equal(store.kind, 'sqlite');
    assert.deepEqual(await store.roomsOfUser('anyone@x'), []);
    assert.ok((await stat(join(dataDir, 'presence.sqlite'))).isFile());
  } finally {
    await store.close();
  }
});

test('acknowledged appends survive SIGKILL of the writing process', async () => {
  const file = join(dir, 'kill', 'presence.sqlite');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./sqlite-kill-child.ts', import.meta.url)), file],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  // The child prints each seq after appendEvent resolved; kill it mid-stream.
  let acked = 0;
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buf += chunk.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) acked = Math.max(acked, Number(l));
      if (acked >= 300 && child.exitCode === null) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child exited early: ${code ?? signal}`));
    });
  });
  await new Promise((r) => child.once('close', r));

  const store = await openSqliteStore(file);
  try {
    const room = await store.getRoom('k');
    assert.ok(room && room.lastSeq >= acked, `lastSeq ${room?.lastSeq} < acked ${acked}`);
    const page = await store.readEvents('k', { after: 0, limit: acked });
    assert.deepEqual(seqs(page.events), range(1, acked));
  } finally {
    await store.close();
  }
});
