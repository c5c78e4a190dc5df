import { join } from 'node:path';
import { openPostgresStore } from './postgres-store.js';
import { openSqliteStore } from './sqlite-store.js';
import type { Store } from './store.js';

export interface StoreConfig {
  /** postgres:// or postgresql:// selects PostgreSQL; anything else (or nothing) SQLite. */
  databaseUrl?: string;
  /** PostgreSQL only: keep the tables in this schema. */
  databaseSchema?: string;
  warn?: (message: string) => void;
  /** Where the SQLite file lives: `${dataDir}/presence.sqlite`. */
  dataDir: string;
}

/** Open the configured store and bring its schema up to date. */
export async function openStore(config: StoreConfig): Promise<Store> {
  const url = config.databaseUrl;
  const store =
    url !== undefined && /^postgres(ql)?:\/\//i.test(url)
      ? await openPostgresStore(url, {
          ...(config.databaseSchema ? { schema: config.databaseSchema } : {}),
          ...(config.warn ? { warn: config.warn } : {}),
        })
      : await openSqliteStore(join(config.dataDir, 'presence.sqlite'));
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}
