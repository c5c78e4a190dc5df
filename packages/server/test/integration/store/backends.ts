import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { TEST_DATABASE_URL, createTestSchema } from '../../../../../test/postgres.js';
import { openPostgresStore } from '../../../src/store/postgres-store.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import type { Store } from '../../../src/store/store.js';

export type BackendTest = (title: string, fn: (store: Store) => Promise<void>) => void;

/**
 * Register `suite` once per backend (SQLite file, PostgreSQL schema); each test gets a fresh,
 * migrated, empty store and cleans it up whatever the outcome. PostgreSQL being down is a failure,
 * never a skip (createTestSchema says how to start it).
 */
export function onEveryBackend(suite: (kind: 'sqlite' | 'postgres', it: BackendTest) => void): void {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'presence-backends-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const sqlite: BackendTest = (title, fn) =>
    test(`sqlite: ${title}`, async () => {
      const store = await openSqliteStore(join(dir, randomBytes(4).toString('hex'), 'presence.sqlite'));
      try {
        await store.migrate();
        await fn(store);
      } finally {
        await store.close();
      }
    });
  const postgres: BackendTest = (title, fn) =>
    test(`postgres: ${title}`, async () => {
      const { schema, drop } = await createTestSchema('presence_keys');
      const store = await openPostgresStore(TEST_DATABASE_URL, { schema });
      try {
        await store.migrate();
        await fn(store);
      } finally {
        await store.close();
        await drop();
      }
    });
  suite('sqlite', sqlite);
  suite('postgres', postgres);
}
