import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL the tests use: this machine's, or PRESENCE_TEST_DATABASE_URL. */
export const TEST_DATABASE_URL =
  process.env['PRESENCE_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A schema of its own for one test, dropped by `drop()`. Fails loudly (never skips) when
 * PostgreSQL is not reachable, saying how to start it.
 */
export async function createTestSchema(
  prefix = 'presence_it',
  /** Another way to the same PostgreSQL (its unix socket, from inside a network namespace). */
  databaseUrl = TEST_DATABASE_URL,
): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query(`create schema "${schema}"`);
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new Error(
      `PostgreSQL is required at ${databaseUrl} (${(err as Error).message}). Start it with ` +
        `'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start' or set PRESENCE_TEST_DATABASE_URL.`,
    );
  }
  await client.end();
  return {
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
    },
  };
}
