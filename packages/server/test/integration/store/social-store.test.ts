// test-needs: postgres
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import {
  KeptMessagesFullError,
  MAX_CONVERSATIONS,
  MAX_KEPT_PER_RECIPIENT,
  type ContactParty,
  type StoredDirectMessage,
} from '../../../src/store/social-store.js';
import { onEveryBackend } from './backends.js';

/** The SocialStore contract on SQLite and PostgreSQL: each test gets a fresh, migrated store. */

const T0 = 1_700_000_000_000;

function party(name: string): ContactParty {
  const id = `${name.toLowerCase()}@test`;
  return { id, name, avatar: `/avatars/${encodeURIComponent(id)}.svg` };
}

const ann = party('Ann');
const bob = party('Bob');
const cid = party('Cid');

function dm(n: number, to = bob.id, from = ann.id): StoredDirectMessage {
  return {
    id: `m${String(n).padStart(5, '0')}`,
    from,
    to,
    payload: JSON.stringify({ type: 'dm', n }),
    createdAt: T0 + n,
  };
}

describe('social store contract', () => {
  onEveryBackend((_kind, it) => {
    it('a request is pending on both sides until accepted; asking again changes nothing', async (store) => {
      const s = store.social;
      assert.equal(await s.requestContact(ann, bob, 'hi, it is Ann', T0), 'pending');
      assert.equal(await s.requestContact(ann, bob, 'hi again', T0 + 5), 'pending', 'idempotent');
      assert.deepEqual(await s.listPending(bob.id), {
        incoming: [{ userId: ann.id, name: 'Ann', avatar: ann.avatar, message: 'hi again', at: T0 }],
        outgoing: [],
      });
      assert.deepEqual(await s.listPending(ann.id), {
        incoming: [],
        outgoing: [{ userId: bob.id, name: 'Bob', avatar: bob.avatar, message: 'hi again', at: T0 }],
      });
      assert.equal(await s.areContacts(ann.id, bob.id), false);
      assert.deepEqual(await s.listContacts(ann.id), []);

      assert.equal(await s.acceptContact(bob.id, cid.id, T0), false, 'no request from Cid');
      assert.equal(await s.acceptContact(bob.id, ann.id, T0 + 10), true);
      assert.equal(await s.acceptContact(bob.id, ann.id, T0 + 11), true, 'accepting twice is a no-op');
      assert.equal(await s.areContacts(ann.id, bob.id), true);
      assert.equal(await s.areContacts(bob.id, ann.id), true);
      assert.deepEqual(await s.listContacts(bob.id), [
        { contactId: ann.id, name: 'Ann', avatar: ann.avatar, groups: [], since: T0 + 10 },
      ]);
      assert.deepEqual(await s.listContacts(ann.id), [
        { contactId: bob.id, name: 'Bob', avatar: bob.avatar, groups: [], since: T0 + 10 },
      ]);
      assert.deepEqual(await s.listPending(bob.id), { incoming: [], outgoing: [] });
      assert.equal(await s.requestContact(ann, bob, null, T0 + 20), 'accepted', 'already contacts');
    });

    it('a request to someone who already asked you accepts both at once', async (store) => {
      const s = store.social;
      assert.equal(await s.requestContact(bob, ann, null, T0), 'pending');
      assert.equal(await s.requestContact(ann, bob, null, T0 + 1), 'accepted');
      assert.equal(await s.areContacts(ann.id, bob.id), true);
      assert.deepEqual(await s.contactIds(ann.id), [bob.id]);
      assert.deepEqual(await s.contactIds(bob.id), [ann.id]);
      assert.deepEqual(await s.listPending(ann.id), { incoming: [], outgoing: [] });
      assert.deepEqual(await s.listPending(bob.id), { incoming: [], outgoing: [] });
    });

    it('two users asking each other at the same moment end up contacts', async (store) => {
      const s = store.social;
      for (let i = 0; i < 5; i++) {
        const a = party(`A${i}`);
        const b = party(`B${i}`);
        const results = await Promise.all([
          s.requestContact(a, b, null, T0),
          s.requestContact(b, a, null, T0),
        ]);
        assert.ok(results.includes('accepted'), `round ${i}: ${results.join(', ')}`);
        assert.equal(await s.areContacts(a.id, b.id), true, `round ${i}`);
        assert.deepEqual(await s.listPending(a.id), { incoming: [], outgoing: [] }, `round ${i}`);
      }
    });

    it('deny and cancel delete the pending request; remove ends the contact both ways', async (store) => {
      const s = store.social;
      await s.requestContact(ann, bob, null, T0);
      assert.equal(await s.deletePending(ann.id, bob.id), true, 'Bob denies (or Ann cancels)');
      assert.equal(await s.deletePending(ann.id, bob.id), false, 'nothing left');
      assert.deepEqual(await s.listPending(bob.id), { incoming: [], outgoing: [] });

      await s.requestContact(ann, cid, null, T0);
      await s.acceptContact(cid.id, ann.id, T0 + 1);
      assert.equal(await s.deletePending(ann.id, cid.id), false, 'an accepted contact is not pending');
      assert.equal(await s.areContacts(ann.id, cid.id), true);
      assert.equal(await s.removeContact(cid.id, ann.id), true);
      assert.equal(await s.areContacts(ann.id, cid.id), false);
      assert.deepEqual(await s.listContacts(ann.id), []);
      assert.deepEqual(await s.listContacts(cid.id), []);
      assert.equal(await s.removeContact(ann.id, cid.id), false);

      await s.requestContact(ann, bob, null, T0 + 2);
      assert.equal(await s.removeContact(ann.id, bob.id), false, 'remove does not touch requests');
      assert.equal((await s.listPending(bob.id)).incoming.length, 1);
    });

    it('groups are per owner and per contact; the important group is a setting', async (store) => {
      const s = store.social;
      await s.requestContact(ann, bob, null, T0);
      await s.acceptContact(bob.id, ann.id, T0);
      await s.requestContact(ann, cid, null, T0);
      await s.acceptContact(cid.id, ann.id, T0);
      assert.equal(await s.setGroups(ann.id, bob.id, ['family', 'work']), true);
      assert.equal(await s.setGroups(ann.id, cid.id, ['work']), true);
      assert.equal(await s.setGroups(ann.id, 'nobody@test', ['x']), false, 'not a contact');
      assert.deepEqual(
        (await s.listContacts(ann.id)).map((c) => [c.contactId, c.groups]),
        [
          [bob.id, ['family', 'work']],
          [cid.id, ['work']],
        ],
      );
      assert.deepEqual((await s.listContacts(bob.id))[0]?.groups, [], 'the other side has its own labels');

      assert.equal(await s.getImportantGroup(ann.id), null);
      await s.setImportantGroup(ann.id, 'family');
      assert.equal(await s.getImportantGroup(ann.id), 'family');
      await s.setImportantGroup(ann.id, 'work');
      assert.equal(await s.getImportantGroup(ann.id), 'work');
      await s.setImportantGroup(ann.id, null);
      assert.equal(await s.getImportantGroup(ann.id), null);
    });

    it('block ends the contact and the blocker’s request, keeps theirs, and is one-sided', async (store) => {
      const s = store.social;
      await s.requestContact(ann, bob, null, T0);
      await s.acceptContact(bob.id, ann.id, T0);
      await s.requestContact(cid, ann, 'hello?', T0);
      await s.requestContact(ann, party('Dee'), null, T0);

      assert.equal(await s.block(ann.id, bob.id, T0 + 1), true, 'a contact was ended');
      assert.equal(await s.areContacts(ann.id, bob.id), false);
      assert.deepEqual(await s.listContacts(bob.id), []);
      assert.equal(await s.block(ann.id, bob.id, T0 + 2), false, 'blocking again: nothing to end');
      assert.equal(await s.isBlocked(ann.id, bob.id), true);
      assert.equal(await s.isBlocked(bob.id, ann.id), false, 'one-sided');

      assert.equal(await s.block(ann.id, cid.id, T0 + 3), false, 'not a contact');
      assert.deepEqual(
        (await s.listPending(cid.id)).outgoing.map((p) => p.userId),
        [ann.id],
        'Cid’s own request is still there: his list does not reveal the block',
      );
      assert.equal(await s.block(ann.id, 'dee@test', T0 + 4), false);
      assert.deepEqual((await s.listPending(ann.id)).outgoing, [], 'Ann’s request to Dee is dropped');

      assert.deepEqual(await s.listBlocked(ann.id), [bob.id, cid.id, 'dee@test'], 'in blocking order');
      await s.unblock(ann.id, cid.id);
      await s.unblock(ann.id, cid.id);
      assert.equal(await s.isBlocked(ann.id, cid.id), false);
      assert.deepEqual(await s.listBlocked(ann.id), [bob.id, 'dee@test']);
    });

    it('kept messages come out oldest first, each once, and only for their recipient', async (store) => {
      const s = store.social;
      await s.queueMessage(dm(3));
      await s.queueMessage(dm(1));
      await s.queueMessage(dm(2));
      await s.queueMessage(dm(4, cid.id));
      const first = await s.takeOfflineMessages(bob.id, 2);
      assert.deepEqual(first, [dm(1), dm(2)]);
      assert.deepEqual(await s.takeOfflineMessages(bob.id, 100), [dm(3)]);
      assert.deepEqual(await s.takeOfflineMessages(bob.id, 100), []);
      assert.deepEqual(await s.takeOfflineMessages(cid.id, 100), [dm(4, cid.id)]);
    });

    it('two concurrent takes never hand out the same message', async (store) => {
      const s = store.social;
      for (let i = 0; i < 20; i++) await s.queueMessage(dm(i));
      const [a, b, c] = await Promise.all([
        s.takeOfflineMessages(bob.id, 100),
        s.takeOfflineMessages(bob.id, 100),
        s.takeOfflineMessages(bob.id, 100),
      ]);
      const ids = [...(a ?? []), ...(b ?? []), ...(c ?? [])].map((m) => m.id).sort();
      assert.deepEqual(
        ids,
        Array.from({ length: 20 }, (_, i) => dm(i).id),
      );
    });

    it(`at most ${MAX_KEPT_PER_RECIPIENT} messages are kept per recipient`, async (store) => {
      const s = store.social;
      // In parallel batches: the bound must hold under concurrent senders too.
      for (let i = 0; i < MAX_KEPT_PER_RECIPIENT; i += 50) {
        await Promise.all(Array.from({ length: 50 }, (_, j) => s.queueMessage(dm(i + j))));
      }
      await assert.rejects(s.queueMessage(dm(MAX_KEPT_PER_RECIPIENT)), KeptMessagesFullError);
      await s.queueMessage(dm(MAX_KEPT_PER_RECIPIENT, cid.id));
      assert.equal((await s.takeOfflineMessages(bob.id, 10)).length, 10);
      await s.queueMessage(dm(MAX_KEPT_PER_RECIPIENT + 1));
      const rest = await s.takeOfflineMessages(bob.id, 10_000);
      assert.equal(rest.length, MAX_KEPT_PER_RECIPIENT - 10 + 1);
    });

    it('DM conversations: most recent first, unread counted for the recipient, read, bounded', async (store) => {
      const s = store.social;
      await s.noteDirectMessage(ann, { ...bob, known: true }, T0 + 1);
      await s.noteDirectMessage(ann, { ...bob, known: true }, T0 + 2);
      await s.noteDirectMessage(cid, { id: ann.id, name: 'ann', avatar: '/x.svg', known: false }, T0 + 3);
      assert.deepEqual(await s.listConversations(bob.id, 10), [
        {
          peerId: ann.id,
          peerName: 'Ann',
          peerAvatar: ann.avatar,
          lastTs: T0 + 2,
          lastFromPeer: true,
          unread: 2,
        },
      ]);
      assert.deepEqual(await s.listConversations(ann.id, 10), [
        {
          peerId: cid.id,
          peerName: 'Cid',
          peerAvatar: cid.avatar,
          lastTs: T0 + 3,
          lastFromPeer: true,
          unread: 1,
        },
        {
          peerId: bob.id,
          peerName: 'Bob',
          peerAvatar: bob.avatar,
          lastTs: T0 + 2,
          lastFromPeer: false,
          unread: 0,
        },
      ]);
      // A reply with the recipient's name unknown keeps the name the row has.
      await s.noteDirectMessage(bob, { id: ann.id, name: 'ann', avatar: '/x.svg', known: false }, T0 + 4);
      const [annToBob] = await s.listConversations(bob.id, 10);
      assert.deepEqual([annToBob?.peerName, annToBob?.lastFromPeer, annToBob?.unread], ['Ann', false, 2]);
      assert.equal(await s.readConversation(bob.id, ann.id), true);
      assert.equal(await s.readConversation(bob.id, ann.id), false, 'nothing left unread');
      assert.equal(await s.readConversation(bob.id, cid.id), false, 'no such conversation');
      assert.equal((await s.listConversations(bob.id, 10))[0]?.unread, 0);
      // An older timestamp (clock skew between nodes) does not move a conversation back.
      await s.noteDirectMessage(ann, { ...bob, known: true }, T0);
      assert.equal((await s.listConversations(bob.id, 10))[0]?.lastTs, T0 + 4);

      for (let i = 0; i < MAX_CONVERSATIONS + 2; i++) {
        await s.noteDirectMessage(party(`P${i}`), { ...cid, known: true }, T0 + 10 + i);
      }
      const cids = await s.listConversations(cid.id, MAX_CONVERSATIONS + 10);
      assert.equal(cids.length, MAX_CONVERSATIONS);
      assert.equal(cids[0]?.peerId, party(`P${MAX_CONVERSATIONS + 1}`).id);
      assert.equal(
        cids.some((c) => c.peerId === ann.id),
        false,
        'the least recent went first',
      );
    });

    it('device tokens round-trip', async (store) => {
      const token = { tokenHash: 'h1', userId: ann.id, name: 'phone', device: 'mobile', createdAt: T0 };
      await store.social.createDeviceToken(token);
      assert.deepEqual(await store.social.findDeviceToken('h1'), token);
      assert.equal(await store.social.findDeviceToken('h2'), undefined);
    });
  });
});
