// test-needs: postgres
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { createTestSchema, TEST_DATABASE_URL } from '../../../../test/postgres.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

// Every frame for a session takes one road to the connection (gateway/session.ts): nothing
// overtakes the welcome. Signals used to be written straight to the socket and could.

let srv: TestServer;
let schema: Awaited<ReturnType<typeof createTestSchema>>;
before(async () => {
  schema = await createTestSchema('presence_outbound');
  // A small window, so recovering from an old position reads the store: the test holds that read.
  srv = await startTestServer({
    databaseUrl: TEST_DATABASE_URL,
    databaseSchema: schema.schema,
    recentWindow: 2,
    sessionGraceMs: 10_000,
  });
});
after(async () => {
  await srv.close();
  await schema.drop();
});

const OFFER = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';

/** Resolves once some query in the schema waits for a lock on room_events. */
async function someoneWaitsFor(db: pg.Client, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await db.query(
      `select 1 from pg_locks l join pg_class c on c.oid = l.relation
        join pg_namespace n on n.oid = c.relnamespace
        where not l.granted and c.relname = 'room_events' and n.nspname = $1`,
      [schema.schema],
    );
    if (r.rowCount) return;
    if (Date.now() > until) throw new Error('no query waited for the room_events lock');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test('a signal sent while the recipient is resuming arrives after its welcome', async () => {
  const ann = await RawClient.ws(srv.wsUrl);
  await ann.hello('Ann');
  const room = (await ann.ok('room.create', { name: 'Signals' }))['room'] as Json;
  const roomId = room['id'] as string;
  const bob = await RawClient.ws(srv.wsUrl);
  const bobWelcome = await bob.hello('Bob');
  await bob.ok('room.join', { room: roomId });
  await ann.ok('live.join', { room: roomId });
  await bob.ok('live.join', { room: roomId });
  for (let i = 0; i < 5; i++) await ann.ok('chat.send', { room: roomId, text: `m${i}` });

  const db = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await db.connect();
  try {
    // Bob's hello recovers from seq 1, past the window: its store read waits for this lock, so the
    // hello is provably still being processed while Ann signals.
    await db.query('begin');
    await db.query(`lock table "${schema.schema}".room_events in access exclusive mode`);
    const bob2 = await RawClient.ws(srv.wsUrl);
    bob2.send({
      type: 'hello',
      id: 1,
      v: 1,
      token: bobWelcome['token'],
      rooms: [{ room: roomId, epoch: room['epoch'], seq: 1 }],
    });
    await someoneWaitsFor(db);
    await ann.ok('live.signal', {
      room: roomId,
      to: bobWelcome['sessionId'],
      signal: { kind: 'offer', sdp: OFFER },
    });
    // A room event (typing is transient, so not held by the lock) after the signal.
    await ann.ok('chat.typing', { room: roomId, typing: true });
    await db.query('commit');

    const first = await bob2.next((m) => m['type'] === 'welcome' || m['type'] === 'live.signal');
    assert.equal(first['type'], 'welcome', 'the welcome comes first');
    assert.equal(first['resumed'], true);
    const later = await bob2.next((m) => m['type'] === 'live.signal' || m['type'] === 'typing');
    assert.equal(later['type'], 'live.signal', 'what waited behind the welcome follows in arrival order');
    assert.equal((later['signal'] as Json)['kind'], 'offer');
    await bob2.event('typing');
    bob2.close();
  } finally {
    await db.query('rollback').catch(() => undefined);
    await db.end();
    ann.close();
    bob.close();
  }
});
