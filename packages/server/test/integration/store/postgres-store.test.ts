// test-needs: postgres
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { openStore } from '../../../src/store/open-store.js';
import { openPostgresStore } from '../../../src/store/postgres-store.js';
import { StoreUnavailableError } from '../../../src/store/store.js';
import type { Store } from '../../../src/store/store.js';
import { runStoreContract } from './store-contract.js';
import { alice, member, msg, room, seedRoom } from './store-fixtures.js';

/**
 * The Store contract against a real PostgreSQL. Every store gets its own schema
 * presence_test_<run>_<n>, dropped afterwards. No PostgreSQL means failure, never a skip: a
 * silently skipped backend is an untested backend.
 */
const URL = process.env.PRESENCE_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const RUN = randomBytes(4).toString('hex');
const HOW_TO_START =
  `PostgreSQL is required for these tests and is not usable at ${URL}.\n` +
  '  Start one, e.g.: docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16\n' +
  '  (or a local server: pg_ctlcluster <version> main start && createdb -h 127.0.0.1 -U postgres test),\n' +
  '  or point PRESENCE_TEST_DATABASE_URL at a database this user may create schemas in.';

const admin = new pg.Pool({ connectionString: URL, max: 2, connectionTimeoutMillis: 3000 });
admin.on('error', () => undefined);
const schemas: string[] = [];
let n = 0;

async function adminQuery(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  try {
    return await admin.query(text, values);
  } catch (err) {
    throw new Error(`${HOW_TO_START}\n  Cause: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

async function dropSchema(schema: string): Promise<void> {
  await adminQuery(`drop schema if exists "${schema}" cascade`);
}

function withAppName(url: string, name: string): string {
  const u = new globalThis.URL(url);
  u.searchParams.set('application_name', name);
  return u.toString();
}

// The one reachability check: fails every test of this file with HOW_TO_START when PostgreSQL is
// not usable (a test of its own here would only repeat it and could not fail alone).
before(async () => {
  await adminQuery('select 1');
});
after(async () => {
  for (const s of schemas) await dropSchema(s).catch(() => undefined);
  await admin.end();
});

runStoreContract('postgres', async () => {
  const schema = `presence_test_${RUN}_${++n}`;
  schemas.push(schema);
  const store = await openPostgresStore(URL, { schema });
  await store.migrate();
  return {
    store,
    cleanup: async () => {
      await store.close();
      await dropSchema(schema);
    },
  };
});

/** Every table the migrations create on PostgreSQL (add a migration's tables here). */
const MIGRATED_TABLES = [
  'app_codes',
  'app_deliveries',
  'app_grants',
  'app_notify_counts',
  'app_presence',
  'app_updates',
  'apps',
  'blocks',
  'contact_settings',
  'contacts',
  'device_tokens',
  'dm_conversations',
  'file_blobs',
  'files',
  'invites',
  'member_settings',
  'message_mentions',
  'message_search',
  'offline_messages',
  'presence_migration',
  'presence_migration_lock',
  'recordings',
  'revoked_tokens',
  'room_audit',
  'room_bans',
  'room_events',
  'room_knocks',
  'room_live_settings',
  'room_members',
  'room_moderation',
  'room_mutes',
  'room_passes',
  'rooms',
  'service_keys',
  'stream_keys',
  'users',
];

describe('postgres store: availability', () => {
  test('a server that is not there gives StoreUnavailableError, and healthy() is false', async () => {
    const store = await openPostgresStore('postgres://postgres@127.0.0.1:1/test');
    try {
      assert.equal(await store.healthy(), false);
      await assert.rejects(store.getRoom('r1'), StoreUnavailableError);
      await assert.rejects(store.appendEvent(msg('r1', 1)), StoreUnavailableError);
      await assert.rejects(store.migrate(), StoreUnavailableError);
      const err = await store.listPublicRooms('', 5).catch((e: unknown) => e);
      assert.ok(err instanceof StoreUnavailableError && err.cause !== undefined, 'keeps the cause');
    } finally {
      await store.close();
    }
  });

  test('connections killed by the server (as in a restart) are replaced by themselves', async () => {
    const schema = `presence_test_${RUN}_kill`;
    schemas.push(schema);
    const store: Store = await openPostgresStore(withAppName(URL, schema), { schema });
    try {
      await store.migrate();
      await seedRoom(store, 'r1', 1);
      const terminate = () =>
        adminQuery('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [
          schema,
        ]);

      // Idle connections die: at most one query sees it, and only as StoreUnavailableError.
      await terminate();
      // The pool notices closed idle sockets asynchronously; on a loaded machine give it a moment,
      // as real clients of a restarted server would get.
      await new Promise((r) => setTimeout(r, 200));
      const failures = await retry(() => store.getRoom('r1'));
      assert.ok(failures <= 1, `${failures} failures`);

      // A connection dies mid-query (blocked on a row lock held elsewhere): the caller gets
      // StoreUnavailableError, the process survives, the append did not happen.
      const locker = await admin.connect();
      try {
        await locker.query('begin');
        await locker.query(`select 1 from "${schema}".rooms where id = 'r1' for update`);
        const blocked = store.appendEvent(msg('r1', 2));
        // Observed below; mark it handled now so an early rejection is not reported as unhandled.
        blocked.catch(() => undefined);
        await waitFor(async () => {
          const r = await adminQuery(
            "select count(*)::int as c from pg_stat_activity where application_name = $1 and wait_event_type = 'Lock'",
            [schema],
          );
          return (r.rows[0] as { c: number }).c > 0;
        });
        await terminate();
        await assert.rejects(blocked, StoreUnavailableError);
      } finally {
        await locker.query('rollback');
        locker.release();
      }
      await retry(() => store.appendEvent(msg('r1', 2)));
      assert.equal((await store.getRoom('r1'))?.lastSeq, 2);
      assert.equal(await store.healthy(), true);
    } finally {
      await store.close();
    }
  });

  test('openStore picks PostgreSQL for postgres:// URLs; migrations follow the search_path', async () => {
    // No `schema` option here, as in production: the tables go wherever the connection's
    // search_path points (set through the URL so the shared public schema is left alone), even
    // though this run's other schemas already hold presence_migration tables.
    const schema = `presence_test_${RUN}_open`;
    schemas.push(schema);
    await adminQuery(`create schema "${schema}"`);
    const url = new globalThis.URL(URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const store = await openStore({ databaseUrl: url.toString(), dataDir: '/nonexistent' });
    try {
      assert.equal(store.kind, 'postgres');
      await store.createRoom(room('r1'), [member(alice)], []);
      assert.equal((await store.getRoom('r1'))?.id, 'r1');
      const r = await adminQuery(
        'select table_name from information_schema.tables where table_schema = $1 order by 1',
        [schema],
      );
      assert.deepEqual(
        r.rows.map((x: { table_name: string }) => x.table_name),
        MIGRATED_TABLES,
      );
    } finally {
      await store.close();
    }
  });

  test('migrating is unaffected by other schemas being created and dropped meanwhile', async () => {
    // Other deployments (and parallel test runs) share the database. Kysely's own introspector
    // scanned every schema and failed when one vanished mid-query; ours stays in its own schema.
    let churning = true;
    const churn = (async () => {
      for (let i = 0; churning; i++) {
        const other = `presence_test_${RUN}_churn${i}`;
        await adminQuery(`create schema "${other}"`);
        await adminQuery(`create table "${other}".t (id serial primary key, a text, b text, c text, d text)`);
        await dropSchema(other);
      }
    })();
    try {
      for (let i = 0; i < 8; i++) {
        const schema = `presence_test_${RUN}_mig${i}`;
        schemas.push(schema);
        const store = await openPostgresStore(URL, { schema });
        try {
          await store.migrate();
          const tables = await adminQuery(
            'select count(*)::int as n from information_schema.tables where table_schema = $1',
            [schema],
          );
          assert.equal((tables.rows[0] as { n: number }).n, MIGRATED_TABLES.length);
        } finally {
          await store.close();
        }
      }
    } finally {
      churning = false;
      await churn;
    }
  });
});

/** Run `fn` until it succeeds (max 5 tries); only StoreUnavailableError may happen meanwhile. */
async function retry(fn: () => Promise<unknown>): Promise<number> {
  for (let failures = 0; ; failures++) {
    try {
      await fn();
      return failures;
    } catch (err) {
      if (!(err instanceof StoreUnavailableError) || failures >= 9) throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function waitFor(cond: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
