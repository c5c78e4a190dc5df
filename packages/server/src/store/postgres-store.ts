import pg from 'pg';
import { Kysely } from 'kysely';
import type { Database } from './kysely-schema.js';
import { KyselyStore } from './kysely-store.js';
import { SchemaScopedPostgresDialect } from './schema-scoped-introspector.js';
import type { Store } from './store.js';

export interface PostgresStoreOptions {
  /** Keep the tables in this schema (created by migrate()); lower-case letters, digits and _. */
  schema?: string;
  /** Where connection warnings go (the server's logger); default: console.warn. */
  warn?: (message: string) => void;
}

/**
 * The PostgreSQL store: a bounded pg Pool under Kysely. Nothing is sent to the server here, so
 * opening succeeds while PostgreSQL is down; queries then fail with StoreUnavailableError until
 * it is back.
 *
 * Recovery after a restart needs nothing special: pg-pool discards a client whose connection
 * failed (idle clients on their 'error' event, checked-out ones when released unqueryable), and
 * the next query opens a fresh connection. What it does need is an 'error' listener on the pool
 * and on every client, because an EventEmitter 'error' nobody listens to kills the process.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const { schema } = options;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name: ${JSON.stringify(schema)}`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Fail a query within seconds when the server is unreachable instead of hanging on connect.
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30_000,
    // search_path as a startup parameter: every connection the pool ever makes, including those
    // made after a restart, gets it with no extra round trip and no window before it is set.
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
  });
  let lastWarned = 0;
  const warn = (err: Error): void => {
    // A restart errors every idle connection at once: one line per second is plenty.
    const now = Date.now();
    if (now - lastWarned < 1000) return;
    lastWarned = now;
    (options.warn ?? console.warn)(
      `postgres store: connection error (${err.message}); will reconnect on next query`,
    );
  };
  pool.on('error', warn);
  // pg-pool listens for client errors only while a client is idle; a connection dropped while a
  // client is checked out would otherwise emit an unhandled 'error'.
  pool.on('connect', (client) => client.on('error', warn));
  const db = new Kysely<Database>({ dialect: new SchemaScopedPostgresDialect({ pool }) });
  return Promise.resolve(
    new KyselyStore(db, { kind: 'postgres', ...(schema !== undefined ? { schema } : {}) }),
  );
}
