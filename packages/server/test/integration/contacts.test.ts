import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import type { RawClient } from '../../../../test/raw-client.js';
import {
  codeOf,
  connect,
  connectGuest,
  eventsOf,
  ref,
  register,
  settle,
  type Account,
} from './social-helpers.js';

/** Contacts over real sockets: requests and their answers, groups, blocks, guests. */

describe('contacts', () => {
  let srv: TestServer;
  const open: RawClient[] = [];
  const session = async (a?: Account): Promise<RawClient> => {
    const c = await connect(srv, a);
    open.push(c);
    return c;
  };

  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    for (const c of open) c.close();
    await srv.close();
  });

  test('request → the target hears it live → accept → both are contacts', async () => {
    const [ann, bob] = [await register(srv, 'Ann'), await register(srv, 'Bob')];
    const a = await session(ann);
    const b = await session(bob);

    assert.deepEqual(await a.ok('contacts.request', { user: bob.id, message: 'Hi Bob, Ann here' }), {
      status: 'pending',
    });
    const heard = await b.event('contact');
    assert.deepEqual(heard, {
      type: 'contact',
      kind: 'request',
      user: ref(ann),
      message: 'Hi Bob, Ann here',
    });

    const bList = await b.ok('contacts.list');
    assert.deepEqual(bList['incoming'], [
      { user: ref(ann), message: 'Hi Bob, Ann here', at: (bList['incoming'] as { at: number }[])[0]?.at },
    ]);
    assert.deepEqual(bList['contacts'], []);
    const aList = await a.ok('contacts.list');
    assert.deepEqual(
      (aList['outgoing'] as { user: unknown }[]).map((p) => p.user),
      [ref(bob)],
    );

    await b.ok('contacts.accept', { user: ann.id });
    assert.deepEqual(await a.event('contact'), { type: 'contact', kind: 'accepted', user: ref(bob) });
    for (const [c, other] of [
      [a, bob],
      [b, ann],
    ] as const) {
      const list = await c.ok('contacts.list');
      assert.deepEqual(
        (list['contacts'] as { user: unknown; groups: unknown }[]).map((x) => [x.user, x.groups]),
        [[ref(other), []]],
      );
      assert.deepEqual(list['incoming'], []);
      assert.deepEqual(list['outgoing'], []);
    }
    assert.equal(codeOf(await b.request('contacts.accept', { user: ann.id })), 'ok', 'accepting again');
  });

  test('deny, cancel and remove tell the other side; doing them again is harmless', async () => {
    const [ann, bob] = [await register(srv, 'Ann'), await register(srv, 'Bob')];
    const a = await session(ann);
    const b = await session(bob);

    await a.ok('contacts.request', { user: bob.id });
    assert.equal((await b.event('contact'))['message'], null, 'no message: null');
    await b.ok('contacts.deny', { user: ann.id });
    assert.deepEqual(await a.event('contact'), { type: 'contact', kind: 'denied', user: ref(bob) });
    assert.deepEqual((await a.ok('contacts.list'))['outgoing'], []);
    await b.ok('contacts.deny', { user: ann.id });

    await a.ok('contacts.request', { user: bob.id });
    await b.event('contact', (m) => m['kind'] === 'request');
    await a.ok('contacts.cancel', { user: bob.id });
    assert.deepEqual(await b.event('contact'), { type: 'contact', kind: 'cancelled', user: ref(ann) });
    assert.deepEqual((await b.ok('contacts.list'))['incoming'], []);
    await a.ok('contacts.cancel', { user: bob.id });

    assert.equal(
      codeOf(await b.request('contacts.accept', { user: ann.id })),
      'USER_NOT_FOUND',
      'nothing to accept any more',
    );

    await a.ok('contacts.request', { user: bob.id });
    await b.ok('contacts.accept', { user: ann.id });
    await a.event('contact', (m) => m['kind'] === 'accepted');
    await b.ok('contacts.remove', { user: ann.id });
    assert.deepEqual(await a.event('contact'), { type: 'contact', kind: 'removed', user: ref(bob) });
    assert.deepEqual((await a.ok('contacts.list'))['contacts'], []);
    assert.deepEqual((await b.ok('contacts.list'))['contacts'], []);
    await b.ok('contacts.remove', { user: ann.id });
    await settle(a);
    assert.deepEqual(eventsOf(a, 'contact'), [], 'no event for a no-op');
  });

  test('when both ask, the second request is accepted at once', async () => {
    const [ann, bob] = [await register(srv, 'Ann'), await register(srv, 'Bob')];
    const a = await session(ann);
    const b = await session(bob);
    await b.ok('contacts.request', { user: ann.id });
    await a.event('contact', (m) => m['kind'] === 'request');
    assert.deepEqual(await a.ok('contacts.request', { user: bob.id }), { status: 'accepted' });
    assert.deepEqual(await b.event('contact'), { type: 'contact', kind: 'accepted', user: ref(ann) });
    assert.deepEqual(
      ((await b.ok('contacts.list'))['contacts'] as { user: unknown }[]).map((c) => c.user),
      [ref(ann)],
    );
  });

  test('a request made while the target is away reaches their next session', async () => {
    const [ann, cid] = [await register(srv, 'Ann'), await register(srv, 'Cid')];
    const a = await session(ann);
    await a.ok('contacts.request', { user: cid.id, message: 'remember me?' });

    const c = await session(cid);
    assert.deepEqual(await c.event('contact'), {
      type: 'contact',
      kind: 'request',
      user: ref(ann),
      message: 'remember me?',
    });
    assert.equal(c.received.filter((m) => m['type'] === 'welcome').length, 0, 'the welcome came first');
    await settle(c);
    assert.deepEqual(eventsOf(c, 'contact'), [], 'once per session');
    assert.equal(((await c.ok('contacts.list'))['incoming'] as unknown[]).length, 1, 'and listed');

    // Still unanswered: the next session hears it again; once answered, nobody does.
    const c2 = await session(cid);
    await c2.event('contact', (m) => m['kind'] === 'request');
    await c2.ok('contacts.accept', { user: ann.id });
    await a.event('contact', (m) => m['kind'] === 'accepted');
  });

  test('groups label contacts; one group can be marked important', async () => {
    const [ann, bob, cid] = [
      await register(srv, 'Ann'),
      await register(srv, 'Bob'),
      await register(srv, 'Cid'),
    ];
    const a = await session(ann);
    const b = await session(bob);
    await a.ok('contacts.request', { user: bob.id });
    await b.ok('contacts.accept', { user: ann.id });

    await a.ok('contacts.groups', { user: bob.id, groups: ['family', 'work', 'family'] });
    await a.ok('contacts.important', { group: 'family' });
    let list = await a.ok('contacts.list');
    assert.deepEqual((list['contacts'] as { groups: unknown }[])[0]?.groups, ['family', 'work']);
    assert.equal(list['importantGroup'], 'family');
    assert.deepEqual(((await b.ok('contacts.list'))['contacts'] as { groups: unknown }[])[0]?.groups, []);

    await a.ok('contacts.groups', { user: bob.id, groups: [] });
    await a.ok('contacts.important', { group: null });
    list = await a.ok('contacts.list');
    assert.deepEqual((list['contacts'] as { groups: unknown }[])[0]?.groups, []);
    assert.equal(list['importantGroup'], null);

    assert.equal(
      codeOf(await a.request('contacts.groups', { user: cid.id, groups: ['x'] })),
      'USER_NOT_FOUND',
    );
    assert.equal(
      codeOf(await a.request('contacts.groups', { user: bob.id, groups: ['  '] })),
      'INVALID_MESSAGE',
      'a label is not blank',
    );
  });

  test('a block ends the contact and hides the blocked user’s requests without telling them', async () => {
    const [ann, bob, dee] = [
      await register(srv, 'Ann'),
      await register(srv, 'Bob'),
      await register(srv, 'Dee'),
    ];
    const a = await session(ann);
    const b = await session(bob);
    await a.ok('contacts.request', { user: bob.id });
    await b.event('contact', (m) => m['kind'] === 'request');
    await b.ok('contacts.accept', { user: ann.id });
    await a.event('contact', (m) => m['kind'] === 'accepted');

    await a.ok('contacts.block', { user: bob.id });
    assert.deepEqual(await b.event('contact'), { type: 'contact', kind: 'removed', user: ref(ann) });
    assert.deepEqual((await a.ok('contacts.list'))['contacts'], []);
    assert.deepEqual((await a.ok('contacts.list'))['blocked'], [ref(bob)]);

    // Bob asks again: he is told `pending`, exactly as anyone else; Ann hears nothing.
    assert.deepEqual(await b.ok('contacts.request', { user: ann.id, message: 'why?' }), {
      status: 'pending',
    });
    assert.deepEqual(
      ((await b.ok('contacts.list'))['outgoing'] as { user: unknown }[]).map((p) => p.user),
      [ref(ann)],
    );
    await settle(a);
    assert.deepEqual(eventsOf(a, 'contact'), []);
    assert.deepEqual((await a.ok('contacts.list'))['incoming'], []);
    assert.equal(codeOf(await a.request('contacts.accept', { user: bob.id })), 'USER_NOT_FOUND');
    assert.equal(codeOf(await a.request('contacts.request', { user: bob.id })), 'FORBIDDEN');

    // Nor on her next session: only Dee's request (sent after Bob's) arrives.
    const d = await session(dee);
    await d.ok('contacts.request', { user: ann.id });
    const a2 = await session(ann);
    const first = await a2.event('contact');
    assert.deepEqual(first['user'], ref(dee));
    await settle(a2);
    assert.deepEqual(eventsOf(a2, 'contact'), []);

    // Bob's cancel stays unseen as well.
    await b.ok('contacts.cancel', { user: ann.id });
    await settle(a);
    assert.deepEqual(
      eventsOf(a, 'contact').filter((e) => (e['user'] as { id: string }).id === bob.id),
      [],
    );

    // After unblocking, Bob can be added again.
    await a.ok('contacts.unblock', { user: bob.id });
    assert.deepEqual((await a.ok('contacts.list'))['blocked'], []);
    await a.ok('contacts.request', { user: bob.id });
    await b.event('contact', (m) => m['kind'] === 'request');
  });

  test('only users with accounts have contacts; refusals say why', async () => {
    const ann = await register(srv, 'Ann');
    const a = await session(ann);
    const { c: guest, id: guestId } = await connectGuest(srv);
    open.push(guest);

    assert.deepEqual(await guest.ok('contacts.list'), {
      contacts: [],
      incoming: [],
      outgoing: [],
      blocked: [],
      importantGroup: null,
    });
    assert.equal(codeOf(await guest.request('contacts.request', { user: ann.id })), 'FORBIDDEN');
    assert.equal(codeOf(await guest.request('contacts.block', { user: ann.id })), 'FORBIDDEN');
    assert.equal(codeOf(await a.request('contacts.request', { user: guestId })), 'USER_NOT_FOUND');
    assert.equal(codeOf(await a.request('contacts.request', { user: 'nobody@localhost' })), 'USER_NOT_FOUND');
    assert.equal(codeOf(await a.request('contacts.request', { user: ann.id })), 'INVALID_MESSAGE');
    assert.equal(codeOf(await a.request('contacts.block', { user: ann.id })), 'INVALID_MESSAGE');
    // A guest can be blocked (they can write to `chatty` users).
    await a.ok('contacts.block', { user: guestId });
    const blocked = (await a.ok('contacts.list'))['blocked'] as { id: string; name: string }[];
    assert.equal(blocked[0]?.id, guestId);
    assert.match(blocked[0]?.name ?? '', /^Guest /);
  });
});
