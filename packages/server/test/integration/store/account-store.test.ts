// test-needs: postgres
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TEST_DATABASE_URL, createTestSchema } from '../../../../../test/postgres.js';
import { UsernameTakenError, type StoredUser } from '../../../src/store/identity-store.js';
import { openPostgresStore } from '../../../src/store/postgres-store.js';
import { openSqliteStore } from '../../../src/store/sqlite-store.js';
import { StoreUnavailableError, type Store } from '../../../src/store/store.js';

/** The AccountStore contract on SQLite and PostgreSQL: each test gets a fresh, migrated store. */

function local(username: string, over: Partial<StoredUser> = {}): StoredUser {
  return {
    id: `${username}@test`,
    username,
    name: `User ${username}`,
    avatarUrl: null,
    passwordHash: `scrypt$16384$12$1$salt-${username}$hash`,
    kind: 'local',
    tokenVersion: 0,
    createdAt: 1_700_000_000_000,
    ...over,
  };
}

type It = (title: string, fn: (store: Store) => Promise<void>) => void;

function contract(it: It): void {
  it('creates users and reads them by id and by username', async (store) => {
    const ann = local('ann', { avatarUrl: 'https://example.org/ann.png' });
    await store.accounts.createUser(ann);
    assert.deepEqual(await store.accounts.getUser(ann.id), ann);
    assert.deepEqual(await store.accounts.getUserByUsername('ann'), ann);
    assert.equal(await store.accounts.getUser('nobody@test'), undefined);
    assert.equal(await store.accounts.getUserByUsername('nobody'), undefined);
  });

  it('a taken username or id rejects with UsernameTakenError', async (store) => {
    await store.accounts.createUser(local('ann'));
    await assert.rejects(store.accounts.createUser(local('ann', { id: 'other@test' })), UsernameTakenError);
    await assert.rejects(store.accounts.createUser(local('bob', { id: 'ann@test' })), UsernameTakenError);
    // Users without a username (external, service) do not collide with each other on null.
    await store.accounts.createUser(local('x', { id: 'e1@test', username: null, kind: 'external' }));
    await store.accounts.createUser(local('x', { id: 'e2@test', username: null, kind: 'service' }));
    assert.equal((await store.accounts.getUser('e2@test'))?.kind, 'service');
  });

  it('updateUser changes only the fields given', async (store) => {
    const ann = local('ann');
    await store.accounts.createUser(ann);
    await store.accounts.updateUser(ann.id, {});
    await store.accounts.updateUser(ann.id, { passwordHash: 'scrypt$new', tokenVersion: 3 });
    assert.deepEqual(await store.accounts.getUser(ann.id), {
      ...ann,
      passwordHash: 'scrypt$new',
      tokenVersion: 3,
    });
    await store.accounts.updateUser(ann.id, { name: 'Ann B', avatarUrl: 'https://a/b.png' });
    await store.accounts.updateUser(ann.id, { avatarUrl: null });
    assert.deepEqual(await store.accounts.getUser(ann.id), {
      ...ann,
      name: 'Ann B',
      passwordHash: 'scrypt$new',
      tokenVersion: 3,
    });
  });

  it('upsertExternalUser creates, then follows name and avatar, keeping the rest', async (store) => {
    const created = await store.accounts.upsertExternalUser({
      id: 'ext@test',
      name: 'Ext',
      avatarUrl: 'https://a/1.png',
      now: 5,
    });
    const expected: StoredUser = {
      id: 'ext@test',
      username: null,
      name: 'Ext',
      avatarUrl: 'https://a/1.png',
      passwordHash: null,
      kind: 'external',
      tokenVersion: 0,
      createdAt: 5,
    };
    assert.deepEqual(created, expected);
    await store.accounts.updateUser('ext@test', { tokenVersion: 2 });
    const again = await store.accounts.upsertExternalUser({
      id: 'ext@test',
      name: 'Ext 2',
      avatarUrl: null,
      now: 9,
    });
    assert.deepEqual(again, { ...expected, name: 'Ext 2', avatarUrl: null, tokenVersion: 2 });
  });

  it('upsertExternalUser leaves a local user with the same id alone', async (store) => {
    const ann = local('ann');
    await store.accounts.createUser(ann);
    const r = await store.accounts.upsertExternalUser({
      id: ann.id,
      name: 'Impostor',
      avatarUrl: null,
      now: 9,
    });
    assert.deepEqual(r, ann);
    assert.deepEqual(await store.accounts.getUser(ann.id), ann);
  });

  it('revoked tokens are remembered until they expire, then swept', async (store) => {
    const future = Date.now() + 60_000;
    assert.equal(await store.accounts.isTokenRevoked('j1'), false);
    await store.accounts.revokeToken('j1', future);
    await store.accounts.revokeToken('j1', future);
    assert.equal(await store.accounts.isTokenRevoked('j1'), true);
    await store.accounts.revokeToken('old', Date.now() - 1);
    assert.equal(await store.accounts.isTokenRevoked('old'), true);
    // The next revocation sweeps rows whose token has expired anyway.
    await store.accounts.revokeToken('j2', future);
    assert.equal(await store.accounts.isTokenRevoked('old'), false);
    assert.equal(await store.accounts.isTokenRevoked('j1'), true);
  });
}

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-accounts-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('sqlite account store', () => {
  contract((title, fn) =>
    test(title, async () => {
      const store = await openSqliteStore(join(dir, randomBytes(4).toString('hex'), 'presence.sqlite'));
      try {
        await store.migrate();
        await fn(store);
      } finally {
        await store.close();
      }
    }),
  );
});

describe('postgres account store', () => {
  contract((title, fn) =>
    test(title, async () => {
      const { schema, drop } = await createTestSchema('presence_accounts');
      const store = await openPostgresStore(TEST_DATABASE_URL, { schema });
      try {
        await store.migrate();
        await fn(store);
      } finally {
        await store.close();
        await drop();
      }
    }),
  );

  test('an unreachable database gives StoreUnavailableError', async () => {
    const store = await openPostgresStore('postgres://postgres@127.0.0.1:1/test');
    try {
      await assert.rejects(store.accounts.getUser('ann@test'), StoreUnavailableError);
      await assert.rejects(store.accounts.createUser(local('ann')), StoreUnavailableError);
      await assert.rejects(store.accounts.isTokenRevoked('j'), StoreUnavailableError);
    } finally {
      await store.close();
    }
  });
});
