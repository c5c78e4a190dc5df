// test-needs: postgres
import assert from 'node:assert/strict';
import type { StoredUser } from '../../../src/store/identity-store.js';
import { onEveryBackend } from './backends.js';
import { alice, bob, member, room, T0 } from './store-fixtures.js';

/** store.admin (server-wide listings) on SQLite and PostgreSQL. */

function user(local: string, createdAt: number): StoredUser {
  return {
    id: `${local}@chat.example.org`,
    username: null,
    name: local,
    avatarUrl: null,
    passwordHash: null,
    kind: 'service',
    tokenVersion: 0,
    createdAt,
  };
}

onEveryBackend((_kind, it) => {
  it('listRooms pages every persistent room, oldest first, with member counts and a total', async (store) => {
    assert.deepEqual(await store.admin.listRooms({ limit: 10, offset: 0 }), { rooms: [], total: 0 });
    await store.createRoom(room('r2', { createdAt: T0 + 2, visibility: 'private' }), [member(alice)], []);
    await store.createRoom(room('r1', { createdAt: T0 + 1 }), [member(alice), member(bob)], []);
    await store.createRoom(room('r3', { createdAt: T0 + 3, visibility: 'link' }), [], []);

    const first = await store.admin.listRooms({ limit: 2, offset: 0 });
    assert.equal(first.total, 3);
    assert.deepEqual(
      first.rooms.map((r) => [r.id, r.memberCount, r.visibility]),
      [
        ['r1', 2, 'public'],
        ['r2', 1, 'private'],
      ],
    );
    const second = await store.admin.listRooms({ limit: 2, offset: 2 });
    assert.deepEqual(
      second.rooms.map((r) => r.id),
      ['r3'],
    );
    assert.deepEqual((await store.admin.listRooms({ limit: 2, offset: 9 })).rooms, []);
  });

  it('listUsers pages every stored user, oldest first, with a total', async (store) => {
    assert.deepEqual(await store.admin.listUsers({ limit: 10, offset: 0 }), { users: [], total: 0 });
    for (const [i, name] of ['carol', 'alice', 'bob'].entries()) {
      await store.accounts.createUser(user(name, T0 + i));
    }
    const page = await store.admin.listUsers({ limit: 2, offset: 1 });
    assert.equal(page.total, 3);
    assert.deepEqual(page.users, [user('alice', T0 + 1), user('bob', T0 + 2)]);
  });
});
