// test-needs: postgres
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { inviteProblem, type StoredInvite } from '../../../src/store/invite-store.js';
import { openPostgresStore } from '../../../src/store/postgres-store.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import type { Store } from '../../../src/store/store.js';
import { createTestSchema, TEST_DATABASE_URL } from '../../../../../test/postgres.js';

/** The InviteStore contract, run against SQLite and a real PostgreSQL (own schema per test). */

const T0 = 1_700_000_000_000;

function invite(code: string, over: Partial<StoredInvite> = {}): StoredInvite {
  return {
    code,
    roomId: 'r1',
    kind: 'public',
    maxUses: null,
    uses: 0,
    expiresAt: null,
    revokedAt: null,
    createdAt: T0,
    createdBy: 'alice@chat.example.org',
    createdByName: 'Alice',
    ...over,
  };
}

const backends: Record<string, () => Promise<{ store: Store; cleanup(): Promise<void> }>> = {
  sqlite: async () => {
    const dir = await mkdtemp(join(tmpdir(), 'presence-invites-'));
    const store = await openSqliteStore(join(dir, 'presence.sqlite'));
    await store.migrate();
    return {
      store,
      cleanup: async () => {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
  postgres: async () => {
    const { schema, drop } = await createTestSchema('presence_inv');
    const store = await openPostgresStore(TEST_DATABASE_URL, { schema });
    await store.migrate();
    return {
      store,
      cleanup: async () => {
        await store.close();
        await drop();
      },
    };
  },
};

for (const [backend, make] of Object.entries(backends)) {
  const it = (title: string, fn: (store: Store) => Promise<void>): Promise<void> =>
    test(title, async () => {
      const { store, cleanup } = await make();
      try {
        await fn(store);
      } finally {
        await cleanup();
      }
    });

  describe(`${backend} invite store contract`, () => {
    it('create and get round-trip every field; unknown codes are undefined', async (store) => {
      const full = invite('c-full', { kind: 'single', maxUses: 1, expiresAt: T0 + 5_000 });
      await store.invites.createInvite(full);
      assert.deepEqual(await store.invites.getInvite('c-full'), full);
      assert.equal(await store.invites.getInvite('nope'), undefined);
      await assert.rejects(store.invites.createInvite(full), 'a code is unique');
    });

    it('listActiveInvites leaves out revoked, expired, used-up and other rooms’ invites', async (store) => {
      const inv = store.invites;
      await inv.createInvite(invite('a-open'));
      await inv.createInvite(invite('b-expiring', { expiresAt: T0 + 10_000, createdAt: T0 + 1 }));
      await inv.createInvite(invite('c-expired', { expiresAt: T0 + 500 }));
      await inv.createInvite(invite('d-used', { kind: 'single', maxUses: 1, uses: 1 }));
      await inv.createInvite(invite('e-revoked', { revokedAt: T0 + 1 }));
      await inv.createInvite(invite('f-other-room', { roomId: 'r2' }));
      await inv.createInvite(invite('g-capped', { maxUses: 3, uses: 2, createdAt: T0 + 2 }));
      const active = await inv.listActiveInvites('r1', T0 + 1_000);
      assert.deepEqual(
        active.map((i) => i.code),
        ['a-open', 'b-expiring', 'g-capped'],
        'oldest first',
      );
      assert.deepEqual(
        (await inv.listActiveInvites('r1', T0 + 10_000)).map((i) => i.code),
        ['a-open', 'g-capped'],
        'expiry is exclusive: at expiresAt it is expired',
      );
    });

    it('consumeInvite counts uses and says why an invite cannot be used', async (store) => {
      const inv = store.invites;
      await inv.createInvite(invite('pub', { maxUses: 2, expiresAt: T0 + 1_000 }));
      const first = await inv.consumeInvite('pub', T0);
      assert.ok(first.ok);
      assert.equal(first.invite.uses, 1);
      const second = await inv.consumeInvite('pub', T0);
      assert.ok(second.ok);
      assert.equal(second.invite.uses, 2);
      assert.deepEqual(await inv.consumeInvite('pub', T0), { ok: false, reason: 'used_up' });
      assert.equal((await inv.getInvite('pub'))?.uses, 2, 'a refused use changes nothing');

      await inv.createInvite(invite('late', { expiresAt: T0 + 1_000 }));
      assert.deepEqual(await inv.consumeInvite('late', T0 + 1_000), { ok: false, reason: 'expired' });
      assert.equal((await inv.consumeInvite('late', T0 + 999)).ok, true);

      await inv.createInvite(invite('gone'));
      assert.equal(await inv.revokeInvite('r1', 'gone', T0 + 7), true);
      assert.deepEqual(await inv.consumeInvite('gone', T0 + 8), { ok: false, reason: 'revoked' });
      assert.deepEqual(await inv.consumeInvite('never', T0), { ok: false, reason: 'not_found' });

      await inv.createInvite(invite('unlimited'));
      for (let i = 0; i < 5; i++) assert.equal((await inv.consumeInvite('unlimited', T0)).ok, true);
      assert.equal((await inv.getInvite('unlimited'))?.uses, 5);
    });

    it('concurrent uses of a single-use invite: exactly one wins', async (store) => {
      const inv = store.invites;
      for (let round = 0; round < 5; round++) {
        const code = `single-${round}`;
        await inv.createInvite(invite(code, { kind: 'single', maxUses: 1 }));
        const results = await Promise.all(Array.from({ length: 8 }, () => inv.consumeInvite(code, T0)));
        assert.equal(results.filter((r) => r.ok).length, 1, `round ${round}: one winner`);
        for (const r of results) if (!r.ok) assert.equal(r.reason, 'used_up');
        assert.equal((await inv.getInvite(code))?.uses, 1);
      }
      // And a public invite with maxUses 3 admits exactly three of ten.
      await inv.createInvite(invite('three', { maxUses: 3 }));
      const results = await Promise.all(Array.from({ length: 10 }, () => inv.consumeInvite('three', T0)));
      assert.equal(results.filter((r) => r.ok).length, 3);
      assert.equal((await inv.getInvite('three'))?.uses, 3);
    });

    it('revokeInvite is scoped to the room, idempotent, and keeps the first revocation time', async (store) => {
      const inv = store.invites;
      await inv.createInvite(invite('x'));
      assert.equal(await inv.revokeInvite('r2', 'x', T0 + 1), false, 'another room’s code');
      assert.equal(await inv.revokeInvite('r1', 'missing', T0 + 1), false);
      assert.equal((await inv.getInvite('x'))?.revokedAt, null);
      assert.equal(await inv.revokeInvite('r1', 'x', T0 + 2), true);
      assert.equal(await inv.revokeInvite('r1', 'x', T0 + 3), true);
      const stored = await inv.getInvite('x');
      assert.equal(stored?.revokedAt, T0 + 2);
      assert.equal(inviteProblem(stored, T0 + 4), 'revoked');
    });

    it('deleteInvitesForRoom deletes that room’s invites only', async (store) => {
      const inv = store.invites;
      await inv.createInvite(invite('k1'));
      await inv.createInvite(invite('k2', { kind: 'single', maxUses: 1 }));
      await inv.createInvite(invite('k3', { roomId: 'r2' }));
      await inv.deleteInvitesForRoom('r1');
      assert.equal(await inv.getInvite('k1'), undefined);
      assert.equal(await inv.getInvite('k2'), undefined);
      assert.deepEqual(
        (await inv.listActiveInvites('r2', T0)).map((i) => i.code),
        ['k3'],
      );
      assert.deepEqual(await inv.consumeInvite('k1', T0), { ok: false, reason: 'not_found' });
    });
  });
}
