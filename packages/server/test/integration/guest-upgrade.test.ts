// Registering or logging in from a guest session hands the guest's rooms, roles, status and
// contacts to the account and removes the guest (issue 11, item 1). Real sockets, real HTTP, and
// the store's member rows checked afterwards, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Config } from '../../src/index.js';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { createTestSchema, TEST_DATABASE_URL } from '../../../../test/postgres.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

async function post(srv: TestServer, path: string, body: Json, token?: string): Promise<Json> {
  const res = await fetch(`${srv.httpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  assert.ok(res.ok, `${path}: ${res.status}`);
  return (await res.json()) as Json;
}

const backends: Record<string, () => Promise<{ config: Partial<Config>; cleanup(): Promise<void> }>> = {
  sqlite: async () => ({ config: {}, cleanup: () => Promise.resolve() }),
  postgres: async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'presence-upgrade-'));
    const { schema, drop } = await createTestSchema();
    return {
      config: { dataDir, databaseUrl: TEST_DATABASE_URL, databaseSchema: schema },
      cleanup: async () => {
        await drop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  },
};

for (const [backend, make] of Object.entries(backends)) {
  describe(`a guest becomes an account (${backend})`, () => {
    test('register from a guest session: rooms, roles and status move; the guest is gone', async () => {
      const { config, cleanup } = await make();
      const srv = await startTestServer({ ...config, sessionGraceMs: 200, presenceCoalesceMs: 0 });
      try {
        const alice = await RawClient.ws(srv.wsUrl);
        const welcome = await alice.hello('Alice');
        const guestId = welcome['userId'] as string;
        const room = ((await alice.ok('room.create', { name: 'Alice room' }))['room'] as Json)[
          'id'
        ] as string;
        await alice.ok('presence.set', { status: 'on a train' });
        const bob = await RawClient.ws(srv.wsUrl);
        await bob.hello('Bob');
        await bob.ok('room.join', { room });

        const account = await post(
          srv,
          '/api/accounts',
          { username: 'alice', password: 'correct horse', name: 'Alice' },
          welcome['token'] as string,
        );
        assert.equal(account['guest'], guestId);
        const accountId = account['userId'] as string;
        // The guest's connection is told its session is over; Bob sees the guest become the account.
        await alice.waitClosed();
        assert.equal(alice.closeCode, 4409);
        const left = await bob.event('member.left', (m) => (m['user'] as Json)['id'] === guestId);
        assert.equal(left['reason'], 'left');
        const joined = await bob.event('member.joined', (m) => (m['user'] as Json)['id'] === accountId);
        assert.equal((joined['user'] as Json)['role'], 'owner');

        // The account connects and can do what the guest could: rename its room.
        const again = await RawClient.ws(srv.wsUrl);
        await again.hello('Alice', { token: account['token'] });
        const rejoined = await again.ok('room.join', { room });
        assert.equal(rejoined['role'], 'owner');
        await again.ok('room.update', { room, name: 'Renamed' });
        const own = (await again.ok('presence.set', {}))['presence'] as Json;
        assert.equal(own['status'], 'on a train');

        // Stored: one member row per person, the guest's gone, the room created by the account.
        const rows = await srv.server.store.listMembers(room);
        const bobId = (rejoined['members'] as Json[]).find((m) => m['name'] === 'Bob')?.['id'];
        // Bob is a guest in a named room: role guest.
        assert.deepEqual(
          rows.map((m) => [m.userId, m.role]).sort(),
          [
            [accountId, 'owner'],
            [bobId, 'guest'],
          ].sort(),
        );
        assert.equal((await srv.server.store.getRoom(room))?.createdBy, accountId);
        assert.equal(await srv.server.store.getMember(room, guestId), undefined);
        again.close();
        bob.close();
      } finally {
        await srv.close();
        await cleanup();
      }
    });

    test('logging in from a guest session keeps the stronger role where both were members', async () => {
      const { config, cleanup } = await make();
      const srv = await startTestServer(config);
      try {
        const acct = await post(srv, '/api/accounts', {
          username: 'carol',
          password: 'correct horse',
          name: 'Carol',
        });
        const c = await RawClient.ws(srv.wsUrl);
        await c.hello('Carol', { token: acct['token'] });
        const owner = await RawClient.ws(srv.wsUrl);
        await owner.hello('Owner');
        const room = ((await owner.ok('room.create', { name: 'Shared' }))['room'] as Json)['id'] as string;
        await c.ok('room.join', { room });
        // As a guest (another browser), Carol makes a room of her own.
        const guest = await RawClient.ws(srv.wsUrl);
        const gw = await guest.hello('Carol');
        const mine = ((await guest.ok('room.create', { name: 'Mine' }))['room'] as Json)['id'] as string;
        await guest.ok('room.join', { room });
        const login = await post(
          srv,
          '/api/login',
          { username: 'carol', password: 'correct horse' },
          gw['token'] as string,
        );
        assert.equal(login['guest'], gw['userId']);
        assert.equal((await srv.server.store.getMember(mine, acct['userId'] as string))?.role, 'owner');
        assert.equal((await srv.server.store.getMember(room, acct['userId'] as string))?.role, 'member');
        assert.equal((await srv.server.store.roomsOfUser(gw['userId'] as string)).length, 0);
        // An account's own token is no guest: nothing moves, and the answer says so.
        const plain = await post(
          srv,
          '/api/login',
          { username: 'carol', password: 'correct horse' },
          acct['token'] as string,
        );
        assert.equal(plain['guest'], null);
        c.close();
        owner.close();
        guest.close();
      } finally {
        await srv.close();
        await cleanup();
      }
    });
  });
}
