// "Appear offline" (presence.set hidden) must look exactly like offline in everything the server
// sends others (issue 11, item 6): a co-member's member list and member.presence events, a
// contact's presence. Compared with what the same people see when the user really is offline.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import type { RawClient, Json } from '../../../../test/raw-client.js';
import { connect, register, settle, type Account } from './social-helpers.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer({ sessionGraceMs: 100, presenceCoalesceMs: 0 });
});
after(() => srv.close());

/** What a newcomer's room.join says about `userId`. */
async function memberSeenByNewcomer(room: string, userId: string): Promise<Json | undefined> {
  const c = await connect(srv, undefined, 'Newcomer');
  const joined = await c.ok('room.join', { room });
  c.close();
  return (joined['members'] as Json[]).find((m) => m['id'] === userId);
}

/** A contact's view of `userId` in a fresh presence snapshot. */
async function presenceSeenBy(contact: Account, userId: string): Promise<Json | undefined> {
  const c = await connect(srv, contact);
  const snapshot = (await c.ok('presence.subscribe'))['presence'] as Json[];
  c.close();
  return snapshot.find((p) => p['user'] === userId);
}

function memberPresence(c: RawClient, user: string, online: boolean): Promise<Json> {
  return c.event('member.presence', (m) => m['user'] === user && m['online'] === online);
}

test('hidden is indistinguishable from offline for co-members and contacts', async () => {
  const alice = await register(srv, 'Alice');
  const carol = await register(srv, 'Carol');
  let a = await connect(srv, alice);
  const c = await connect(srv, carol);
  await c.ok('contacts.request', { user: alice.id });
  await a.ok('contacts.accept', { user: carol.id });
  c.close();
  const room = ((await a.ok('room.create', { name: 'Hideout', visibility: 'public' }))['room'] as Json)[
    'id'
  ] as string;
  const bob = await connect(srv, undefined, 'Bob');
  await bob.ok('room.join', { room });

  // Really offline: the session ends.
  a.close();
  await memberPresence(bob, alice.id, false);
  const offlineMember = await memberSeenByNewcomer(room, alice.id);
  const offlinePresence = await presenceSeenBy(carol, alice.id);
  assert.equal(offlineMember?.['online'], false);
  assert.equal(offlinePresence?.['state'], 'offline');

  // Back, seen online; then hidden: Bob is told she went offline, as above.
  a = await connect(srv, alice);
  await a.ok('room.join', { room });
  await memberPresence(bob, alice.id, true);
  await a.ok('presence.set', { hidden: true });
  await memberPresence(bob, alice.id, false);
  assert.deepEqual(await memberSeenByNewcomer(room, alice.id), offlineMember);
  const hiddenPresence = await presenceSeenBy(carol, alice.id);
  // lastActive is the minute she was last seen (went away or hid): present in both, same shape.
  assert.equal(typeof hiddenPresence?.['lastActive'], typeof offlinePresence?.['lastActive']);
  assert.deepEqual({ ...hiddenPresence, lastActive: 0 }, { ...offlinePresence, lastActive: 0 });

  // A second session of hers arriving, and both leaving, are not told either.
  const a2 = await connect(srv, alice);
  await a2.ok('room.join', { room });
  a2.close();
  a.close();
  // Wait past the grace period for a positive event: a newcomer's join reaches Bob after it.
  await new Promise((r) => setTimeout(r, 300));
  const probe = await connect(srv, undefined, 'Probe');
  await probe.ok('room.join', { room });
  await bob.event('member.joined', (m) => (m['user'] as Json)['name'] === 'Probe');
  await settle(bob);
  const told = bob.received.filter(
    (m) => m['type'] === 'member.presence' && m['user'] === alice.id,
  ) as Json[];
  // (event() took the three awaited above: offline, online, hidden-as-offline.)
  assert.deepEqual(told, [], 'nothing for the hidden sessions coming and going');
  probe.close();
  bob.close();
});
