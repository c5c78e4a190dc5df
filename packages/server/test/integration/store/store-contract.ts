import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { StoreUnavailableError } from '../../../src/store/store.js';
import type { Store } from '../../../src/store/store.js';
import { registerEventContract } from './store-contract-events.js';
import { registerRecordingContract } from './store-contract-recordings.js';
import { alice, bob, carol, EPOCH, joined, member, msg, room, seedRoom, T0 } from './store-fixtures.js';

export interface StoreHandle {
  /** A store with migrate() already run on an empty database. */
  store: Store;
  cleanup: () => Promise<void>;
}

export type StoreTest = (title: string, fn: (store: Store) => Promise<void>) => void;

/**
 * The behaviour every Store must have, registered as node:test tests. Each test gets a fresh,
 * empty, migrated store from `makeStore` and cleans it up whatever the outcome.
 * Rooms, members and search are here; the event log is in store-contract-events.ts.
 */
export function runStoreContract(name: string, makeStore: () => Promise<StoreHandle>): void {
  const it: StoreTest = (title, fn) =>
    test(title, async () => {
      const { store, cleanup } = await makeStore();
      try {
        await fn(store);
      } finally {
        await cleanup();
      }
    });

  describe(`${name} store contract`, () => {
    it('migrate is idempotent and the store is healthy', async (store) => {
      await store.migrate();
      await store.migrate();
      assert.equal(await store.healthy(), true);
      await seedRoom(store, 'r1', 1);
      assert.equal((await store.getRoom('r1'))?.lastSeq, 1);
    });

    it('createRoom stores the room, its members and its log in one go', async (store) => {
      const r = room('r1', { name: 'Lobby', topic: 'hi', visibility: 'private', lastSeq: 3 });
      const members = [member(bob, 'member', T0 + 5), member(alice, 'owner', T0)];
      const events = [msg('r1', 3), joined('r1', 1, bob), msg('r1', 2, bob, 'hello', 'n-1')];
      await store.createRoom(r, members, events);

      assert.deepEqual(await store.getRoom('r1'), r);
      assert.equal(await store.getRoom('nope'), undefined);
      assert.deepEqual(await store.listMembers('r1'), [members[1], members[0]], 'ordered by joinedAt');
      assert.deepEqual(await store.getMember('r1', bob.id), members[0]);
      assert.equal(await store.getMember('r1', carol.id), undefined);
      assert.deepEqual(await store.getEvent('r1', 2), events[2]);
      const page = await store.readEvents('r1', { limit: 10 });
      assert.deepEqual(page, { events: [events[1], events[2], events[0]], more: false });
      // Creation members saw the log live: nothing unread for them.
      assert.deepEqual(
        (await store.roomsOfUser(bob.id)).map((u) => [u.lastRead, u.unread, u.memberCount, u.role]),
        [[3, 0, 2, 'member']],
      );
    });

    it('createRoom is atomic and rejects a duplicate id as itself, not as unavailability', async (store) => {
      await store.createRoom(room('r1'), [member(alice, 'owner')], []);
      const dup = store.createRoom(room('r1', { name: 'other' }), [], []);
      await assert.rejects(dup, (err) => !(err instanceof StoreUnavailableError));
      // A failure halfway (a member row violating the primary key) leaves nothing behind.
      const bad = store.createRoom(room('r2', { lastSeq: 1 }), [member(bob), member(bob)], [msg('r2', 1)]);
      await assert.rejects(bad, (err) => !(err instanceof StoreUnavailableError));
      assert.equal(await store.getRoom('r2'), undefined);
      assert.equal(await store.getEvent('r2', 1), undefined);
      // Events that are not the room's, or beyond its lastSeq, are a programming error.
      await assert.rejects(
        store.createRoom(room('r3', { lastSeq: 1 }), [], [msg('r3', 2)]),
        /does not belong/,
      );
      assert.equal(await store.getRoom('r3'), undefined);
    });

    it('updateRoom patches only the given fields', async (store) => {
      await store.createRoom(room('r1', { name: 'One', topic: 't1' }), [], []);
      await store.updateRoom('r1', { topic: 't2' });
      assert.deepEqual(await store.getRoom('r1'), room('r1', { name: 'One', topic: 't2' }));
      await store.updateRoom('r1', { name: 'Uno', visibility: 'private' });
      assert.deepEqual(
        await store.getRoom('r1'),
        room('r1', { name: 'Uno', topic: 't2', visibility: 'private' }),
      );
      await store.updateRoom('r1', {});
      await store.updateRoom('missing', { name: 'x' });
      assert.equal(await store.getRoom('missing'), undefined);
    });

    it('listPublicRooms searches name and topic case-insensitively, literally, public only', async (store) => {
      const rooms = [
        room('a', { name: 'Alpha Team' }),
        room('b', { name: 'beta', topic: 'ALPHA testing' }),
        room('c', { name: 'alpha secret', visibility: 'private' }),
        room('d', { name: '100% Fun' }),
        room('e', { name: 'snake_case' }),
        room('f', { name: 'snakeXcase' }),
        room('g', { name: 'Über Café', topic: 'a\\b' }),
        room('h', { name: 'Gamma' }),
      ];
      for (const r of rooms) await store.createRoom(r, [], []);
      const ids = async (q: string, limit = 50) => (await store.listPublicRooms(q, limit)).map((r) => r.id);

      assert.deepEqual(await ids('alpha'), ['a', 'b']);
      assert.deepEqual(await ids('ALPHA'), ['a', 'b']);
      assert.deepEqual(await ids('%'), ['d'], '% is literal');
      assert.deepEqual(await ids('_'), ['e'], '_ is literal');
      assert.deepEqual(await ids('\\'), ['g'], 'backslash is literal');
      assert.deepEqual(await ids('üBER'), ['g'], 'non-ASCII case folding');
      assert.deepEqual(await ids('secret'), [], 'private rooms are never listed');
      assert.deepEqual(await ids(''), ['d', 'a', 'b', 'h', 'e', 'f', 'g']);
      assert.deepEqual(await ids('', 2), ['d', 'a']);
      await store.upsertMember('h', member(alice));
      await store.upsertMember('h', member(bob));
      const [first] = await store.listPublicRooms('gamma', 5);
      assert.deepEqual(first, { ...rooms[7], memberCount: 2 });
      await store.updateRoom('a', { visibility: 'private' });
      assert.deepEqual(await ids('alpha'), ['b']);
    });

    it("listPublicRooms leaves guests' rooms out unless asked for them", async (store) => {
      await store.createRoom(room('acct', { name: 'Open mic' }), [], []);
      await store.createRoom(room('guest', { name: 'Open bar', createdBy: '~abcdefghij@test' }), [], []);
      const ids = async (guestRooms?: boolean) =>
        (await store.listPublicRooms('open', 10, guestRooms === undefined ? undefined : { guestRooms })).map(
          (r) => r.id,
        );
      assert.deepEqual(await ids(), ['acct']);
      assert.deepEqual(await ids(false), ['acct']);
      assert.deepEqual(await ids(true), ['guest', 'acct']);
    });

    it('mergeUser moves a guest to an account in one go: stronger role, rooms, contacts', async (store) => {
      const guest = { id: '~guestguest@chat.example.org', name: 'Alice (guest)', avatar: '/avatars/g.svg' };
      await store.createRoom(room('own', { createdBy: guest.id }), [member(guest, 'owner'), member(bob)], []);
      await store.createRoom(
        room('both', { createdBy: bob.id }),
        [member(bob, 'owner'), member(alice, 'member')],
        [],
      );
      await store.upsertMember('both', member(guest, 'admin', T0 - 5));
      await store.social.requestContact(carol, guest, null, T0);
      await store.social.acceptContact(guest.id, carol.id, T0);
      await store.social.block(guest.id, bob.id, T0);

      const moved = await store.mergeUser(guest.id, alice);
      assert.deepEqual(moved.map((m) => [m.roomId, m.role]).sort(), [
        ['both', 'admin'],
        ['own', 'owner'],
      ]);
      const roles = async (id: string) => (await store.listMembers(id)).map((m) => [m.userId, m.role]).sort();
      assert.deepEqual(
        await roles('own'),
        [
          [alice.id, 'owner'],
          [bob.id, 'member'],
        ].sort(),
      );
      assert.deepEqual(
        await roles('both'),
        [
          [alice.id, 'admin'],
          [bob.id, 'owner'],
        ].sort(),
      );
      assert.equal((await store.getMember('both', alice.id))?.joinedAt, T0 - 5, 'the earlier join is kept');
      assert.equal((await store.getRoom('own'))?.createdBy, alice.id);
      assert.deepEqual(await store.roomsOfUser(guest.id), []);
      assert.equal(await store.social.areContacts(alice.id, carol.id), true);
      assert.deepEqual(await store.social.contactIds(guest.id), []);
      assert.equal(await store.social.isBlocked(alice.id, bob.id), true);
      assert.equal(await store.social.isBlocked(guest.id, bob.id), false);
    });

    it('mergeUser moves notification levels, mentions, uploads and DM conversations too', async (store) => {
      const guest = { id: '~guestguest@chat.example.org', name: 'Alice (guest)', avatar: '/avatars/g.svg' };
      const mention = (seq: number, mentions: string[]) => ({ ...msg('r', seq, bob), mentions });
      await store.createRoom(room('r', { createdBy: bob.id }), [member(bob, 'owner'), member(guest)], []);
      await store.createRoom(room('s', { createdBy: bob.id }), [member(bob, 'owner'), member(guest)], []);
      await store.upsertMember('s', member(alice));
      await store.appendEvent(mention(1, [guest.id]));
      await store.appendEvent(mention(2, [guest.id, alice.id]));
      await store.chat.setNotify('r', guest.id, 'mentions');
      await store.chat.setNotify('s', guest.id, 'none');
      await store.chat.setNotify('s', alice.id, 'all');
      await store.chat.addFile({
        id: 'f1',
        roomId: 'r',
        uploaderId: guest.id,
        name: 'a.png',
        type: 'image/png',
        size: 3,
        width: null,
        height: null,
        seq: null,
        createdAt: T0,
      });
      // The guest talked to Bob and Carol, the account to Carol too (later), and to the guest.
      const known = (u: typeof alice) => ({ ...u, known: true });
      await store.social.noteDirectMessage(bob, known(guest), T0 + 1);
      await store.social.noteDirectMessage(bob, known(guest), T0 + 2);
      await store.social.noteDirectMessage(carol, known(guest), T0 + 3);
      await store.social.noteDirectMessage(carol, known(alice), T0 + 9);
      await store.social.noteDirectMessage(guest, known(alice), T0 + 4);

      await store.mergeUser(guest.id, alice);
      assert.equal(await store.chat.getNotify('r', alice.id), 'mentions');
      assert.equal(await store.chat.getNotify('s', alice.id), 'all', "the account's own level wins");
      assert.equal(await store.chat.getNotify('r', guest.id), undefined);
      const rooms = await store.roomsOfUser(alice.id);
      assert.equal(rooms.find((r) => r.room.id === 'r')?.mentions, 2, 'both mentions are the account now');
      assert.equal((await store.chat.getFile('f1'))?.uploaderId, alice.id);

      const mine = await store.social.listConversations(alice.id, 10);
      assert.deepEqual(
        mine.map((c) => [c.peerId, c.unread, c.lastTs]),
        [
          [carol.id, 2, T0 + 9],
          [bob.id, 2, T0 + 2],
        ],
      );
      assert.deepEqual(await store.social.listConversations(guest.id, 10), []);
      const bobs = await store.social.listConversations(bob.id, 10);
      assert.deepEqual(
        bobs.map((c) => [c.peerId, c.peerName, c.unread]),
        [[alice.id, alice.name, 0]],
      );
      const carols = await store.social.listConversations(carol.id, 10);
      assert.deepEqual(
        carols.map((c) => [c.peerId, c.lastTs]),
        [[alice.id, T0 + 9]],
        'one row for the two',
      );
    });

    it('upsertMember adds or refreshes; removeMember removes', async (store) => {
      await seedRoom(store, 'r1', 4, [bob]);
      // A member joining later starts with everything so far read.
      await store.upsertMember('r1', member(carol, 'guest', T0 + 50));
      assert.deepEqual(await store.getMember('r1', carol.id), member(carol, 'guest', T0 + 50));
      let [carolRoom] = await store.roomsOfUser(carol.id);
      assert.deepEqual([carolRoom?.lastRead, carolRoom?.unread, carolRoom?.memberCount], [4, 0, 3]);
      // Refreshing keeps joinedAt and the read marker, updates the rest.
      await store.upsertMember('r1', { ...member(carol, 'admin', T0 + 99), name: 'Caro' });
      assert.deepEqual(await store.getMember('r1', carol.id), {
        ...member(carol, 'admin', T0 + 50),
        name: 'Caro',
      });
      await store.appendEvent(msg('r1', 5));
      [carolRoom] = await store.roomsOfUser(carol.id);
      assert.deepEqual([carolRoom?.role, carolRoom?.lastRead, carolRoom?.unread], ['admin', 4, 1]);

      await store.removeMember('r1', bob.id);
      await store.removeMember('r1', 'nobody@x');
      assert.equal(await store.getMember('r1', bob.id), undefined);
      assert.deepEqual(
        (await store.listMembers('r1')).map((m) => m.userId),
        [alice.id, carol.id],
      );
      assert.deepEqual(await store.roomsOfUser(bob.id), []);
      assert.equal((await store.roomsOfUser(alice.id))[0]?.memberCount, 2);
    });

    it('roomsOfUser lists rooms with role, read marker, unread and member counts', async (store) => {
      await seedRoom(store, 'r1', 3, [bob, carol]);
      await store.createRoom(room('r2', { name: 'Another' }), [member(bob, 'admin')], []);
      await store.appendEvent(msg('r2', 1, bob));
      await store.appendEvent(joined('r2', 2, alice));
      await store.upsertMember('r2', member(alice));
      await store.appendEvent(msg('r2', 3, bob));
      await store.appendEvent(msg('r2', 4, bob));

      const mine = await store.roomsOfUser(alice.id);
      assert.deepEqual(
        mine.map((u) => ({
          id: u.room.id,
          role: u.role,
          lastRead: u.lastRead,
          unread: u.unread,
          n: u.memberCount,
        })),
        [
          { id: 'r2', role: 'member', lastRead: 2, unread: 2, n: 2 },
          { id: 'r1', role: 'owner', lastRead: 0, unread: 3, n: 3 },
        ],
      );
      assert.deepEqual(mine[1]?.room, room('r1', { lastSeq: 3 }));
      assert.equal(mine[0]?.room.epoch, EPOCH);
      assert.deepEqual(await store.roomsOfUser('stranger@x'), []);
    });

    it('setReadMarker only moves forward and stops at the last seq', async (store) => {
      await seedRoom(store, 'r1', 10, [bob]);
      assert.equal(await store.setReadMarker('r1', bob.id, 5), 5);
      assert.equal(await store.setReadMarker('r1', bob.id, 3), 5);
      assert.equal((await store.roomsOfUser(bob.id))[0]?.unread, 5);
      assert.equal(await store.setReadMarker('r1', bob.id, 7), 7);
      assert.equal(await store.setReadMarker('r1', bob.id, 1_000), 10);
      assert.equal((await store.roomsOfUser(bob.id))[0]?.unread, 0);
      assert.equal(await store.setReadMarker('r1', carol.id, 4), 0, 'not a member');
      assert.equal(await store.setReadMarker('missing', bob.id, 4), 0, 'no such room');
      // Racing markers settle on the highest.
      await Promise.all([2, 9, 4, 8].map((s) => store.setReadMarker('r1', alice.id, s)));
      assert.equal((await store.roomsOfUser(alice.id))[0]?.lastRead, 9);
    });

    registerEventContract(it);
    registerRecordingContract(it);
  });
}
