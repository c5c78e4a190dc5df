import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { PresenceError } from '@presence/protocol';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import type { Json, RawClient } from '../../../../test/raw-client.js';
import type { UserChannel } from '../../src/presence/contacts-service.js';
import { DmService, gate, type Gate } from '../../src/presence/dm-service.js';
import type { VisibleState } from '../../src/presence/presence-reader.js';
import { KeptMessagesFullError } from '../../src/store/social-store.js';
import { openSqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import {
  codeOf,
  connect,
  connectGuest,
  eventsOf,
  nextDm,
  ref,
  register,
  settle,
  type Account,
} from './social-helpers.js';

/** Direct messages: the gating rule, the service with a presence double, and real sockets. */

describe('dm gating rule', () => {
  const states: VisibleState[] = ['chatty', 'online', 'busy', 'away', 'offline'];
  const senders = {
    stranger: { blocked: false, contact: false, important: false },
    contact: { blocked: false, contact: true, important: false },
    important: { blocked: false, contact: true, important: true },
    blockedContact: { blocked: true, contact: true, important: true },
  };
  // Rows: recipient state; columns: stranger, contact, important contact, blocked contact.
  const expected: Record<VisibleState, [Gate, Gate, Gate, Gate]> = {
    chatty: ['deliver', 'deliver', 'deliver', 'refuse'],
    online: ['refuse', 'deliver', 'deliver', 'refuse'],
    busy: ['refuse', 'keep', 'deliver', 'refuse'],
    away: ['refuse', 'keep', 'keep', 'refuse'],
    offline: ['refuse', 'keep', 'keep', 'refuse'],
  };
  for (const state of states) {
    test(`${state}: strangers ${expected[state][0]}, contacts ${expected[state][1]}, important ${expected[state][2]}, blocked ${expected[state][3]}`, () => {
      const got = [senders.stranger, senders.contact, senders.important, senders.blockedContact].map((s) =>
        gate(state, s),
      );
      assert.deepEqual(got, expected[state]);
    });
  }
});

const ann = { id: 'ann@test', name: 'Ann', avatar: '/avatars/ann%40test.svg' };
const bob = { id: 'bob@test', name: 'Bob', avatar: '/avatars/bob%40test.svg' };
const eve = { id: 'eve@test', name: 'Eve', avatar: '/avatars/eve%40test.svg' };
const annActor = { user: ann, sessionId: 'ann-1' };
const eveActor = { user: eve, sessionId: 'eve-1' };

/** A UserChannel that records what was sent; `connected` says who has sessions. */
class FakeUsers implements UserChannel {
  readonly sent: { to: string; message: Json; except: string | undefined }[] = [];
  readonly connected = new Set<string>();
  send(userId: string, message: object | string, except?: string): Promise<number> {
    if (!this.connected.has(userId)) return Promise.resolve(0);
    const parsed = (typeof message === 'string' ? JSON.parse(message) : message) as Json;
    this.sent.push({ to: userId, message: parsed, except });
    return Promise.resolve(1);
  }
  to(userId: string): Json[] {
    return this.sent.filter((s) => s.to === userId).map((s) => s.message);
  }
}

describe('DmService with a presence double', () => {
  let dir = '';
  let store: Store;
  let users: FakeUsers;
  let states: Map<string, VisibleState>;
  let dms: DmService;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'presence-dm-'));
    store = await openSqliteStore(join(dir, 'presence.sqlite'));
    await store.migrate();
    users = new FakeUsers();
    states = new Map();
    dms = new DmService({
      social: store.social,
      presence: { stateFor: (id) => states.get(id) ?? 'offline' },
      users,
      limits: { maxTextLength: 100 },
    });
    // Ann and Bob are contacts; Eve is a stranger to Bob. Everyone is connected.
    await store.social.requestContact(ann, bob, null, 1);
    await store.social.acceptContact(bob.id, ann.id, 2);
    for (const u of [ann, bob, eve]) users.connected.add(u.id);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const outcome = async (actor: typeof annActor, to = bob.id): Promise<string> => {
    try {
      return (await dms.send(actor, to, 'hello')).outcome;
    } catch (err) {
      if (err instanceof PresenceError) return err.code;
      throw err;
    }
  };

  test('each state of the recipient, for a contact and for a stranger', async () => {
    const rows: [VisibleState, string, string][] = [];
    for (const state of ['chatty', 'online', 'busy', 'away', 'offline'] as const) {
      states.set(bob.id, state);
      rows.push([state, await outcome(annActor), await outcome(eveActor)]);
    }
    assert.deepEqual(rows, [
      ['chatty', 'delivered', 'delivered'],
      ['online', 'delivered', 'RECIPIENT_UNAVAILABLE'],
      ['busy', 'queued', 'RECIPIENT_UNAVAILABLE'],
      ['away', 'queued', 'RECIPIENT_UNAVAILABLE'],
      ['offline', 'queued', 'RECIPIENT_UNAVAILABLE'],
    ]);
    // chatty (Ann, Eve) and online (Ann) reached Bob; busy, away and offline were kept for Ann.
    assert.equal(users.to(bob.id).length, 3);
    const kept = await store.social.takeOfflineMessages(bob.id, 100);
    assert.equal(kept.length, 3);
    assert.ok(kept.every((m) => m.from === ann.id && (JSON.parse(m.payload) as Json)['offline'] === true));
  });

  test('busy lets the important group through, and only it', async () => {
    states.set(bob.id, 'busy');
    await store.social.setGroups(bob.id, ann.id, ['family']);
    assert.equal(await outcome(annActor), 'queued', 'no important group yet');
    await store.social.setImportantGroup(bob.id, 'work');
    assert.equal(await outcome(annActor), 'queued', 'Ann is not in it');
    await store.social.setImportantGroup(bob.id, 'family');
    assert.equal(await outcome(annActor), 'delivered');
    assert.equal(await outcome(eveActor), 'RECIPIENT_UNAVAILABLE');
  });

  test('a blocked sender is refused in every state, with the same error as anyone refused', async () => {
    await store.social.block(bob.id, ann.id, 3);
    await store.social.block(bob.id, eve.id, 3);
    for (const state of ['chatty', 'online', 'busy', 'away', 'offline'] as const) {
      states.set(bob.id, state);
      assert.equal(await outcome(annActor), 'RECIPIENT_UNAVAILABLE', state);
      assert.equal(await outcome(eveActor), 'RECIPIENT_UNAVAILABLE', state);
    }
    assert.deepEqual(users.to(bob.id), []);
    assert.deepEqual(await store.social.takeOfflineMessages(bob.id, 100), []);
  });

  test('available but with no connected session: kept for a contact, refused for a stranger', async () => {
    states.set(bob.id, 'chatty');
    users.connected.delete(bob.id);
    assert.equal(await outcome(annActor), 'queued');
    assert.equal(await outcome(eveActor), 'RECIPIENT_UNAVAILABLE');
  });

  test('the event: markdown rendered once, sent to the recipient and the sender’s other sessions', async () => {
    states.set(bob.id, 'online');
    const result = await dms.send(annActor, bob.id, 'see **this** <script>x</script>');
    const [toBob] = users.to(bob.id);
    assert.deepEqual(toBob, {
      type: 'dm',
      id: result.id,
      from: ann,
      to: bob.id,
      text: 'see **this** <script>x</script>',
      html: '<p>see <strong>this</strong> &lt;script&gt;x&lt;/script&gt;</p>',
      ts: result.ts,
      offline: false,
    });
    const echo = users.sent.find((s) => s.to === ann.id);
    assert.deepEqual(echo?.message, toBob);
    assert.equal(echo?.except, 'ann-1', 'not back to the sending session');
  });

  test('a retried send with the same nonce is answered again, not sent again', async () => {
    states.set(bob.id, 'online');
    const first = await dms.send(annActor, bob.id, 'once', 'n-1');
    const again = await dms.send(annActor, bob.id, 'once', 'n-1');
    assert.deepEqual(again, first);
    assert.equal(users.to(bob.id).length, 1);
    const other = await dms.send(annActor, bob.id, 'twice', 'n-2');
    assert.notEqual(other.id, first.id);
  });

  test('refusals: too long, empty, to oneself, a full queue', async () => {
    states.set(bob.id, 'offline');
    await assert.rejects(dms.send(annActor, bob.id, 'x'.repeat(101)), { code: 'MESSAGE_TOO_LONG' });
    await assert.rejects(dms.send(annActor, bob.id, '   '), { code: 'INVALID_MESSAGE' });
    await assert.rejects(dms.send(annActor, ann.id, 'me'), { code: 'INVALID_MESSAGE' });
    const full = new DmService({
      social: { ...store.social, queueMessage: (m) => Promise.reject(new KeptMessagesFullError(m.to)) },
      presence: { stateFor: () => 'offline' },
      users,
      limits: { maxTextLength: 100 },
    });
    await assert.rejects(full.send(annActor, bob.id, 'one more'), { code: 'LIMIT_EXCEEDED' });
  });

  test('kept messages are handed over oldest first, once, and put back if nobody could take them', async () => {
    states.set(bob.id, 'away');
    for (const text of ['one', 'two', 'three']) await dms.send(annActor, bob.id, text);
    users.connected.delete(bob.id);
    assert.equal(await dms.deliverKept(bob.id), 0, 'Bob is gone again: nothing delivered…');
    users.connected.add(bob.id);
    assert.equal(await dms.deliverKept(bob.id), 3, '…and nothing lost');
    assert.deepEqual(
      users.to(bob.id).map((m) => [m['text'], m['offline']]),
      [
        ['one', true],
        ['two', true],
        ['three', true],
      ],
    );
    assert.equal(await dms.deliverKept(bob.id), 0, 'exactly once');
  });
});

describe('direct messages over sockets', () => {
  let srv: TestServer;
  const open: RawClient[] = [];
  const session = async (a: Account): Promise<RawClient> => {
    const c = await connect(srv, a);
    open.push(c);
    return c;
  };
  /** Two accounts that are contacts. */
  const pair = async (): Promise<[Account, Account]> => {
    const [a, b] = [await register(srv, 'Ann'), await register(srv, 'Bob')];
    await srv.server.store.social.requestContact(
      { id: a.id, name: a.name, avatar: '' },
      { id: b.id, name: b.name, avatar: '' },
      null,
      Date.now(),
    );
    await srv.server.store.social.acceptContact(b.id, a.id, Date.now());
    return [a, b];
  };

  before(async () => {
    srv = await startTestServer();
  });
  after(async () => {
    for (const c of open) c.close();
    await srv.close();
  });

  test('to an online contact: delivered to all their sessions and to the sender’s other ones', async () => {
    const [ann, bob] = await pair();
    const a1 = await session(ann);
    const a2 = await session(ann);
    const b1 = await session(bob);
    const b2 = await session(bob);
    const result = await a1.ok('dm.send', { to: bob.id, text: 'hi _Bob_', nonce: 'k1' });
    assert.equal(result['outcome'], 'delivered');
    const expected = {
      type: 'dm',
      id: result['id'],
      from: ref(ann),
      to: bob.id,
      text: 'hi _Bob_',
      html: '<p>hi <em>Bob</em></p>',
      ts: result['ts'],
      offline: false,
    };
    assert.deepEqual(await nextDm(b1), expected);
    assert.deepEqual(await nextDm(b2), expected);
    assert.deepEqual(await nextDm(a2), expected);
    await settle(a1);
    assert.deepEqual(eventsOf(a1, 'dm'), [], 'not echoed to the sending session');
  });

  test('dm.list: conversations most recent first with unread counts, kept across sessions; dm.read clears them', async () => {
    const [ann, bob] = await pair();
    const cid = await register(srv, 'Cid');
    const a1 = await session(ann);
    // Bob is away: kept messages count as unread too.
    await a1.ok('dm.send', { to: bob.id, text: 'one' });
    await a1.ok('dm.send', { to: bob.id, text: 'two' });
    const eve = await register(srv, 'Eve');
    const e = await session(eve);
    assert.equal(codeOf(await e.request('dm.send', { to: bob.id, text: 'spam' })), 'RECIPIENT_UNAVAILABLE');
    const b1 = await session(bob);
    await nextDm(b1);
    await nextDm(b1);
    const listed = await b1.ok('dm.list', {});
    assert.deepEqual(listed['conversations'], [
      {
        peer: ref(ann),
        lastTs: (listed['conversations'] as Json[])[0]?.['lastTs'],
        lastFromPeer: true,
        unread: 2,
      },
    ]);
    // Bob answers: Ann's side shows Bob by his account name, nothing unread for Bob's own messages.
    await b1.ok('dm.send', { to: ann.id, text: 'hi' });
    const annList = (await a1.ok('dm.list', {}))['conversations'] as Json[];
    assert.deepEqual(
      annList.map((c) => [
        (c['peer'] as Json)['id'],
        (c['peer'] as Json)['name'],
        c['lastFromPeer'],
        c['unread'],
      ]),
      [[bob.id, 'Bob', true, 1]],
    );
    // Cid (a stranger) cannot write, but once Bob is chatty he can: two conversations, newest first.
    await b1.ok('presence.set', { device: 'web', state: 'chatty' });
    const c = await session(cid);
    await c.ok('dm.send', { to: bob.id, text: 'hello Bob' });
    const b2 = await session(bob);
    const both = (await b2.ok('dm.list', {}))['conversations'] as Json[];
    assert.deepEqual(
      both.map((x) => [(x['peer'] as Json)['id'], x['unread']]),
      [
        [cid.id, 1],
        [ann.id, 2],
      ],
    );
    assert.deepEqual(((await b2.ok('dm.list', { limit: 1 }))['conversations'] as Json[]).length, 1);
    // Reading on one session clears it everywhere: the other sessions are told.
    assert.deepEqual(await b2.ok('dm.read', { peer: ann.id }), {});
    const told = await b1.next((m) => m['type'] === 'dm.read');
    assert.deepEqual(told, { type: 'dm.read', peer: ann.id });
    const after = (await b1.ok('dm.list', {}))['conversations'] as Json[];
    assert.deepEqual(
      after.map((x) => x['unread']),
      [1, 0],
    );
    // Reading what is already read tells nobody; bad input is a typed error.
    await b2.ok('dm.read', { peer: ann.id });
    assert.equal(codeOf(await b2.request('dm.list', { limit: 0 })), 'INVALID_MESSAGE');
    assert.equal(codeOf(await b2.request('dm.read', {})), 'INVALID_MESSAGE');
    await settle(b1);
    assert.deepEqual(eventsOf(b1, 'dm.read'), [], 'only one dm.read, for the first read');
  });

  test('to an online stranger or from a guest: refused (nobody is chatty yet)', async () => {
    const [ann, eve] = [await register(srv, 'Ann'), await register(srv, 'Eve')];
    const a = await session(ann);
    const e = await session(eve);
    const refused = await e.request('dm.send', { to: ann.id, text: 'hello?' });
    assert.equal(refused['code'], 'RECIPIENT_UNAVAILABLE');
    assert.equal(
      refused['message'],
      'The recipient does not accept direct messages from you right now (their presence).',
    );
    const { c: guest } = await connectGuest(srv);
    open.push(guest);
    assert.equal(codeOf(await guest.request('dm.send', { to: ann.id, text: 'hi' })), 'RECIPIENT_UNAVAILABLE');
    await settle(a);
    assert.deepEqual(eventsOf(a, 'dm'), []);
  });

  test('to an offline contact: kept, and delivered when they return, exactly once', async () => {
    const [ann, bob] = await pair();
    const a = await session(ann);
    const sent: Json[] = [];
    for (const text of ['first', 'second']) {
      const r = await a.ok('dm.send', { to: bob.id, text });
      assert.equal(r['outcome'], 'queued');
      sent.push(r);
    }
    const b = await session(bob);
    const got = [await nextDm(b), await nextDm(b)];
    assert.deepEqual(
      got.map((m) => [m['id'], m['text'], m['offline'], m['from']]),
      sent.map((r, i) => [r['id'], i === 0 ? 'first' : 'second', true, ref(ann)]),
    );
    // Bob's next session gets nothing more, and neither does the first one.
    const b2 = await session(bob);
    await delay(200);
    await settle(b2);
    await settle(b);
    assert.deepEqual(eventsOf(b2, 'dm'), []);
    assert.deepEqual(eventsOf(b, 'dm'), []);
    // Now Bob is online: straight through.
    assert.equal((await a.ok('dm.send', { to: bob.id, text: 'third' }))['outcome'], 'delivered');
    assert.equal((await nextDm(b))['offline'], false);
  });

  test('gating follows the recipient’s presence.set: chatty, online, busy, away, hidden', async () => {
    const [ann, bob] = await pair();
    const [cid, eve] = [await register(srv, 'Cid'), await register(srv, 'Eve')];
    const b = await session(bob);
    const a = await session(ann);
    const c = await session(cid);
    const e = await session(eve);
    await c.ok('contacts.request', { user: bob.id });
    await b.ok('contacts.accept', { user: cid.id });
    await b.ok('contacts.groups', { user: ann.id, groups: ['vip'] });
    await b.ok('contacts.important', { group: 'vip' });

    const send = async (from: RawClient, text: string): Promise<string> => {
      const reply = await from.request('dm.send', { to: bob.id, text });
      return reply['type'] === 'ok' ? String((reply['result'] as Json)['outcome']) : String(reply['code']);
    };
    const rows: [string, string, string, string][] = [];
    const states: [string, Json][] = [
      ['chatty', { state: 'chatty' }],
      ['online', { state: 'online' }],
      ['busy', { state: 'busy' }],
      ['away', { state: 'away' }],
      ['hidden', { state: 'chatty', hidden: true }],
    ];
    for (const [label, patch] of states) {
      await b.ok('presence.set', patch);
      rows.push([
        label,
        await send(a, `Ann→${label}`),
        await send(c, `Cid→${label}`),
        await send(e, `Eve→${label}`),
      ]);
    }
    // Columns: Ann (contact in the important group), Cid (contact), Eve (stranger).
    assert.deepEqual(rows, [
      ['chatty', 'delivered', 'delivered', 'delivered'],
      ['online', 'delivered', 'delivered', 'RECIPIENT_UNAVAILABLE'],
      ['busy', 'delivered', 'queued', 'RECIPIENT_UNAVAILABLE'],
      ['away', 'queued', 'queued', 'RECIPIENT_UNAVAILABLE'],
      ['hidden', 'queued', 'queued', 'RECIPIENT_UNAVAILABLE'],
    ]);
    const live: string[] = [];
    while (eventsOf(b, 'dm').length > 0) live.push(String((await nextDm(b))['text']));
    assert.deepEqual(live, [
      'Ann→chatty',
      'Cid→chatty',
      'Eve→chatty',
      'Ann→online',
      'Cid→online',
      'Ann→busy',
    ]);

    // Bob shows himself online: what was kept arrives on his session now, oldest first, marked offline.
    await b.ok('presence.set', { state: 'online', hidden: false });
    const kept: string[] = [];
    for (let i = 0; i < 5; i++) {
      const m = await nextDm(b);
      assert.equal(m['offline'], true);
      kept.push(String(m['text']));
    }
    assert.deepEqual(kept, ['Cid→busy', 'Ann→away', 'Cid→away', 'Ann→hidden', 'Cid→hidden']);
  });

  test('kept while busy or away: delivered on the state change to every session, and the sender is told', async () => {
    const [ann, bob] = await pair();
    const cid = await register(srv, 'Cid');
    const [b1, b2] = [await session(bob), await session(bob)];
    const [a1, a2] = [await session(ann), await session(ann)];
    const c = await session(cid);
    await c.ok('contacts.request', { user: bob.id });
    await b1.ok('contacts.accept', { user: cid.id });
    await b1.ok('contacts.groups', { user: ann.id, groups: ['vip'] });
    await b1.ok('contacts.important', { group: 'vip' });

    for (const b of [b1, b2]) await b.ok('presence.set', { state: 'away' });
    const fromAnn = await a1.ok('dm.send', { to: bob.id, text: 'kept for Bob' });
    const fromCid = await c.ok('dm.send', { to: bob.id, text: 'kept too' });
    assert.deepEqual([fromAnn['outcome'], fromCid['outcome']], ['queued', 'queued']);

    // Busy accepts the important group: Ann's message goes to both of Bob's sessions, Cid's waits.
    await b1.ok('presence.set', { state: 'busy' });
    for (const b of [b1, b2]) {
      const m = await nextDm(b);
      assert.deepEqual(
        [m['id'], m['text'], m['offline'], m['from']],
        [fromAnn['id'], 'kept for Bob', true, ref(ann)],
      );
    }
    for (const a of [a1, a2]) {
      const notice = await a.next((m) => m['type'] === 'dm.delivered');
      assert.deepEqual(Object.keys(notice).sort(), ['id', 'to', 'ts', 'type']);
      assert.deepEqual([notice['id'], notice['to']], [fromAnn['id'], bob.id]);
    }

    // Online accepts every contact: now Cid's, and Cid hears of it — at this change, not before.
    const changed = Date.now();
    await b2.ok('presence.set', { state: 'online' });
    for (const b of [b1, b2]) {
      const m = await nextDm(b);
      assert.deepEqual([m['id'], m['text'], m['offline']], [fromCid['id'], 'kept too', true]);
    }
    const notice = await c.next((m) => m['type'] === 'dm.delivered');
    assert.equal(notice['id'], fromCid['id']);
    assert.ok(Number(notice['ts']) >= changed, 'delivered on the change to online');
    // Nothing is left for a later session.
    const b3 = await session(bob);
    await a1.ok('dm.send', { to: bob.id, text: 'live' });
    assert.equal((await nextDm(b3))['text'], 'live');
    await settle(c);
    const extra = [a1, a2, c].flatMap((x) => eventsOf(x, 'dm.delivered'));
    assert.deepEqual(extra, [], 'one notice per delivery, to each of the sender’s sessions');
  });

  test('a blocked contact is refused like a stranger, online or not, and nothing is kept', async () => {
    const [ann, bob] = await pair();
    const a = await session(ann);
    const b = await session(bob);
    await b.ok('contacts.block', { user: ann.id });
    await a.event('contact', (m) => m['kind'] === 'removed');
    assert.equal(codeOf(await a.request('dm.send', { to: bob.id, text: 'hey' })), 'RECIPIENT_UNAVAILABLE');
    b.close();
    await delay(50);
    assert.equal(codeOf(await a.request('dm.send', { to: bob.id, text: 'hey' })), 'RECIPIENT_UNAVAILABLE');
    assert.deepEqual(await srv.server.store.social.takeOfflineMessages(bob.id, 10), []);
  });
});
