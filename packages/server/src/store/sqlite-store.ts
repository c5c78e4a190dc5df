import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './kysely-schema.js';
import { KyselyStore } from './kysely-store.js';
import type { Store } from './store.js';

export interface SqliteStoreOptions {
  /** See the durability note below; 'full' unless told otherwise. */
  synchronous?: 'full' | 'normal';
}

/**
 * The default store: one SQLite file through better-sqlite3. Kysely's SqliteDialect runs every
 * query and transaction on the one connection, one at a time, so transactions never interleave.
 *
 * Durability. Journal mode is WAL: readers do not block the writer, and a commit is one append to
 * the -wal file. With WAL, `synchronous=NORMAL` already survives a process crash or SIGKILL: the
 * commit is in the OS page cache when the call returns, and the kernel writes it out whatever
 * happens to the process. What NORMAL does not survive is power loss or a kernel crash: the last
 * commits may roll back (the file stays consistent). `synchronous=FULL` adds an fsync of the WAL at
 * every commit, which closes that gap, so an acknowledged write is on stable storage before the
 * caller acknowledges it. That is the promise Presence makes ("acknowledged writes are never
 * lost"), so FULL is the default; the measured cost is in the store tests' timings. Deployments
 * that accept losing the last moment of chat on power failure can pass 'normal'.
 */
export async function openSqliteStore(filePath: string, options: SqliteStoreOptions = {}): Promise<Store> {
  mkdirSync(dirname(filePath), { recursive: true });
  const sqlite = new BetterSqlite3(filePath);
  try {
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
    // Another process (a second server, a backup, the sqlite3 shell) holding the write lock makes
    // us wait up to 5 s instead of failing at once; beyond that, SQLITE_BUSY → StoreUnavailable.
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    // SQLite's built-in lower() folds ASCII only; PostgreSQL's folds Unicode. Overriding it with
    // JavaScript's keeps case-insensitive room search the same on both backends.
    sqlite.function('lower', { deterministic: true }, (v: unknown) =>
      v === null || v === undefined ? null : String(v).toLowerCase(),
    );
  } catch (err) {
    sqlite.close();
    throw err;
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return Promise.resolve(new KyselyStore(db, { kind: 'sqlite' }));
}
