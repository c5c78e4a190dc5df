import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';

/** Rooms' call settings survive closing and reopening the SQLite store (migration 0011). */
test('room call settings persist across a reopen; no row means the defaults', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'presence-live-settings-'));
  const file = join(dir, 'presence.db');
  try {
    const a = await openSqliteStore(file);
    await a.migrate();
    assert.equal(await a.live.get('r1'), undefined);
    const settings = {
      mediaMode: 'sfu' as const,
      streaming: true,
      streamers: { users: ['dj@localhost'], role: 'admin' as const },
    };
    await a.live.put('r1', settings);
    await a.live.put('r1', {
      ...settings,
      streamers: { users: ['dj@localhost', 'vj@localhost'], role: null },
    });
    await a.close();
    const b = await openSqliteStore(file);
    assert.deepEqual(await b.live.get('r1'), {
      mediaMode: 'sfu',
      streaming: true,
      streamers: { users: ['dj@localhost', 'vj@localhost'], role: null },
    });
    await b.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
