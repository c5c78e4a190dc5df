import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  PresenceVisibility,
  type Announcer,
  type VisibilityChanges,
} from '../../src/presence/presence-visibility.js';
import { Room } from '../../src/rooms/room.js';

/**
 * Who may see whom (contacts, co-members of loaded rooms) and what a flush announces when that
 * changes. Rooms are real Room objects observed by the visibility, as the registry wires them.
 */

function setup(contacts: Record<string, string[]> = {}) {
  const calls: string[] = [];
  let failing = false;
  let changes = 0;
  const vis = new PresenceVisibility({
    contacts: {
      contactIds: (u) => {
        calls.push(u);
        return failing ? Promise.reject(new Error('store down')) : Promise.resolve(contacts[u] ?? []);
      },
    },
    onChange: () => changes++,
  });
  let n = 0;
  const room = (...members: string[]): Room => {
    const r = new Room(
      {
        id: `room${++n}`,
        name: null,
        topic: '',
        visibility: 'private',
        persistent: false,
        epoch: 'e1',
        seq: 0,
        createdAt: 0,
        createdBy: members[0] ?? 'nobody',
      },
      vis,
    );
    for (const m of members) join(r, m);
    return r;
  };
  return {
    vis,
    room,
    calls,
    changes: () => changes,
    failStore: () => (failing = true),
  };
}

function join(room: Room, user: string): void {
  room.members.set(user, {
    ref: { id: user, name: user, avatar: '' },
    role: 'member',
    joinedAt: 0,
    sessions: new Set(),
    lastRead: 0,
  });
}

/** Run announce() on `changes`; the deliveries as sorted "recipient +user" / "recipient -user". */
function announced(vis: PresenceVisibility, changes: VisibilityChanges, watching = (_u: string) => true) {
  const out = new Set<string>();
  const to: Announcer = {
    add: (r, u) => out.add(`${r} +${u}`),
    hide: (r, u) => out.add(`${r} -${u}`),
  };
  vis.announce(changes, to, watching);
  return [...out].sort();
}

test('everyone sees themselves; contacts see each other, in either cached direction', async () => {
  const { vis } = setup({ ann: ['bob'] });
  assert.equal(vis.canSee('zed', 'zed'), true);
  assert.equal(vis.canSee('ann', 'bob'), false, 'not loaded yet: not known');
  await vis.load('ann');
  assert.equal(vis.canSee('ann', 'bob'), true);
  assert.equal(vis.canSee('bob', 'ann'), true, "Bob's list is not loaded; Ann's says they are contacts");
  assert.equal(vis.canSee('ann', 'cat'), false);
});

test('co-members of a loaded room see each other until they share no room', () => {
  const { vis, room } = setup();
  const r1 = room('ann', 'bob');
  const r2 = room('ann', 'bob', 'cat');
  assert.equal(vis.canSee('ann', 'cat'), true);
  assert.equal(vis.canSee('bob', 'cat'), true);
  r2.members.delete('cat');
  assert.equal(vis.canSee('ann', 'cat'), false);
  r1.members.delete('bob');
  assert.equal(vis.canSee('ann', 'bob'), true, 'still together in r2');
  r2.members.delete('bob');
  assert.equal(vis.canSee('ann', 'bob'), false);
  assert.equal(vis.roomsOf('bob'), undefined, 'no empty index entries left behind');
  assert.deepEqual([...vis.visibleTo('ann')].sort(), ['ann']);
});

test('visibleTo lists the user, their contacts and their co-members once each', async () => {
  const { vis, room } = setup({ ann: ['bob', 'dan'] });
  await vis.load('ann');
  room('ann', 'bob', 'cat');
  assert.deepEqual([...vis.visibleTo('ann')].sort(), ['ann', 'bob', 'cat', 'dan']);
});

test('concurrent loads share one store call; a failing store leaves an empty list, not an error', async () => {
  const s = setup({ ann: ['bob'] });
  await Promise.all([s.vis.load('ann'), s.vis.load('ann'), s.vis.load('ann')]);
  await s.vis.load('ann');
  assert.deepEqual(s.calls, ['ann'], 'one call, and none once cached');
  s.failStore();
  await s.vis.load('cat');
  assert.equal(s.vis.hasContacts('cat'), true);
  assert.equal(s.vis.canSee('cat', 'bob'), false);
  await s.vis.load('ann', true);
  assert.equal(s.vis.canSee('ann', 'bob'), true, 'a failed reload keeps the list it had');
  s.vis.release('ann');
  assert.equal(s.vis.hasContacts('ann'), false);
});

test('a contact change reloads cached lists before it is recorded, then both sides hear of it', async () => {
  const contacts: Record<string, string[]> = { ann: [], bob: [] };
  const s = setup(contacts);
  await s.vis.load('ann');
  s.vis.drain();
  contacts['ann'] = ['bob'];
  contacts['bob'] = ['ann'];
  await s.vis.contactsChanged('ann', 'bob');
  assert.equal(s.vis.canSee('ann', 'bob'), true);
  assert.deepEqual(s.calls, ['ann', 'ann'], "Ann's cached list reloaded; Bob's was not cached");
  assert.deepEqual(announced(s.vis, s.vis.drain()), ['ann +bob', 'bob +ann']);

  contacts['ann'] = [];
  contacts['bob'] = [];
  await s.vis.contactsChanged('ann', 'bob');
  assert.deepEqual(announced(s.vis, s.vis.drain()), ['ann -bob', 'bob -ann']);
});

test('a join: the joiner hears of everyone (themselves too), the others of the joiner', () => {
  const { vis, room } = setup();
  const r = room('ann', 'bob');
  vis.drain();
  join(r, 'cat');
  assert.deepEqual(announced(vis, vis.drain()), ['ann +cat', 'bob +cat', 'cat +ann', 'cat +bob', 'cat +cat']);
});

test('only subscribed users are announced to', () => {
  const { vis, room } = setup();
  const r = room('ann', 'bob');
  vis.drain();
  join(r, 'cat');
  assert.deepEqual(
    announced(vis, vis.drain(), (u) => u !== 'bob'),
    ['ann +cat', 'cat +ann', 'cat +bob', 'cat +cat'],
  );
});

test('a join and a leave within one flush announce no join, only the parting', () => {
  const { vis, room } = setup();
  const r = room('ann', 'bob');
  vis.drain();
  join(r, 'cat');
  r.members.delete('cat');
  assert.deepEqual(announced(vis, vis.drain()), ['ann -cat', 'bob -cat', 'cat -ann', 'cat -bob']);
});

test('a leave hides only the pairs with no other room or contact left', async () => {
  const { vis, room } = setup({ ann: ['cat'] });
  await vis.load('ann');
  room('ann', 'bob');
  const shared = room('ann', 'bob', 'cat', 'dan');
  vis.drain();
  shared.members.delete('ann');
  // Bob still shares the first room with Ann, Cat is her contact; only Dan and Ann part.
  assert.deepEqual(announced(vis, vis.drain()), ['ann -dan', 'dan -ann']);
});

test('an unloaded room hides its members from each other, unless something else joins them', () => {
  const { vis, room } = setup();
  room('ann', 'bob');
  const big = room('ann', 'bob', 'cat');
  vis.drain();
  vis.unloaded(big);
  assert.deepEqual(announced(vis, vis.drain()), ['ann -cat', 'bob -cat', 'cat -ann', 'cat -bob']);
  assert.equal(vis.canSee('ann', 'bob'), true);
  assert.equal(vis.canSee('ann', 'cat'), false);
});

test('every change is counted and reported until drained', async () => {
  const s = setup();
  const r = s.room('ann', 'bob');
  r.members.delete('bob');
  await s.vis.contactsChanged('ann', 'cat');
  assert.equal(s.vis.pending, 4);
  assert.equal(s.changes(), 4);
  const drained = s.vis.drain();
  assert.equal(drained.partings.length, 1);
  assert.deepEqual(drained.pairs, [['ann', 'cat']]);
  assert.equal(s.vis.pending, 0);
  assert.deepEqual(announced(s.vis, s.vis.drain()), []);
});
