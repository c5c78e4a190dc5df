import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { UserPresence } from '@presence/protocol';
import { PresenceService, type PresenceSink } from '../../src/presence/presence-service.js';

/** Unit tests of the engine with a recording sink and a contact table (no server, no store). */

interface Delivery {
  to: readonly string[];
  users: UserPresence[];
}

function setup(contacts: Record<string, string[]>, coalesceMs = 10_000) {
  let now = Date.UTC(2026, 10, 22, 12, 0, 0);
  const deliveries: Delivery[] = [];
  const watching = new Set<string>();
  const sink: PresenceSink = {
    watching: (u) => watching.has(u),
    deliver: (to, json) => {
      deliveries.push({ to, users: (JSON.parse(json) as { users: UserPresence[] }).users });
    },
  };
  const presence = new PresenceService({
    options: { presenceIdleMs: 60_000, presenceCoalesceMs: coalesceMs, presenceDeviceTimeoutMs: 120_000 },
    contacts: { contactIds: (u) => Promise.resolve(contacts[u] ?? []) },
    sink,
    now: () => now,
  });
  const online = (...users: string[]) => {
    for (const u of users) {
      presence.deviceOnline(u, `${u}/1`, { type: 'web', state: 'online' });
      watching.add(u);
    }
  };
  /** What `user` was sent, flattened: every entry they got, in order. */
  const got = (user: string) => deliveries.filter((d) => d.to.includes(user)).flatMap((d) => d.users);
  return {
    presence,
    deliveries,
    online,
    got,
    advance: (ms: number) => (now += ms),
    reset: () => (deliveries.length = 0),
  };
}

test('changes in one window become one event per recipient; equal lists share one payload', async () => {
  // ann, bob and cid are all contacts of each other and of dan; dan only of them.
  const t = setup({
    ann: ['bob', 'cid', 'dan'],
    bob: ['ann', 'cid', 'dan'],
    cid: ['ann', 'bob', 'dan'],
    dan: ['ann', 'bob', 'cid'],
  });
  t.online('ann', 'bob', 'cid', 'dan');
  await t.presence.flush();
  t.reset();
  t.presence.set('ann', 'ann/1', { state: 'busy' });
  t.presence.set('bob', 'bob/1', { state: 'chatty', status: 'hi' });
  t.presence.set('bob', 'bob/1', { status: 'hello' }); // coalesced: only the latest goes out
  await t.presence.flush();
  const toDan = t.deliveries.filter((d) => d.to.includes('dan'));
  assert.equal(toDan.length, 1, 'one event for dan');
  assert.deepEqual(
    toDan[0]?.users.map((u) => [u.user, u.state, u.status]),
    [
      ['ann', 'busy', null],
      ['bob', 'chatty', 'hello'],
    ],
  );
  // cid and dan see the same two users: one payload for both.
  const shared = t.deliveries.find((d) => d.to.includes('cid'));
  assert.ok(shared?.to.includes('dan'), 'cid and dan share the payload');
  // Every recipient got exactly one event.
  const counts = new Map<string, number>();
  for (const d of t.deliveries) for (const r of d.to) counts.set(r, (counts.get(r) ?? 0) + 1);
  assert.deepEqual([...counts.values()], [1, 1, 1, 1]);
  t.presence.close();
});

test('hidden: others get offline, the user their own real view, in separate payloads', async () => {
  const t = setup({ ann: ['bob'], bob: ['ann'] });
  t.online('ann', 'bob');
  await t.presence.flush();
  t.reset();
  t.presence.set('ann', 'ann/1', { state: 'chatty', hidden: true });
  await t.presence.flush();
  assert.equal(t.got('bob').at(-1)?.state, 'offline');
  assert.equal(t.got('ann').at(-1)?.state, 'chatty');
  assert.equal(t.presence.stateFor('ann'), 'offline', 'DM gating sees what others see');
  t.presence.close();
});

test('a contact change reveals presence at once, and its end sends unknown once', async () => {
  const table: Record<string, string[]> = { ann: [], bob: [] };
  const t = setup(table);
  t.online('ann', 'bob');
  await t.presence.flush();
  assert.deepEqual(
    t.got('ann').map((u) => u.user),
    ['ann'],
  );
  table['ann'] = ['bob'];
  table['bob'] = ['ann'];
  await t.presence.visibility.contactsChanged('ann', 'bob');
  await t.presence.flush();
  assert.equal(t.got('ann').at(-1)?.user, 'bob');
  assert.equal(t.got('bob').at(-1)?.user, 'ann');
  table['ann'] = [];
  table['bob'] = [];
  await t.presence.visibility.contactsChanged('ann', 'bob');
  await t.presence.flush();
  assert.deepEqual(t.got('ann').at(-1), {
    user: 'bob',
    state: 'unknown',
    status: null,
    mobile: false,
    lastActive: null,
  });
  t.reset();
  t.presence.set('bob', 'bob/1', { state: 'busy' });
  await t.presence.flush();
  assert.deepEqual(t.got('ann'), [], 'nothing after that');
  t.presence.close();
});

test('idle devices turn away at the threshold; socketless devices go offline when silent', async () => {
  const t = setup({ ann: ['bob'], bob: ['ann'] });
  t.online('ann');
  t.presence.report('bob', 'token:1', 'bot', 'online', 'at the desk');
  await t.presence.flush();
  assert.equal(t.got('ann').at(-1)?.state, 'online');
  const idleFrom = Date.UTC(2026, 10, 22, 12, 0, 0);
  t.presence.set('ann', 'ann/1', { idleSince: idleFrom });
  t.advance(59_000);
  t.presence.sweep();
  await t.presence.flush();
  assert.equal(t.presence.ownView('ann').state, 'online', 'not yet');
  t.advance(1_000);
  t.presence.sweep();
  await t.presence.flush();
  assert.equal(t.got('ann').at(-1)?.state, 'away');
  assert.equal(t.got('ann').at(-1)?.lastActive, idleFrom);
  // Bob's socketless device said nothing for the timeout: gone.
  t.advance(120_000);
  t.presence.sweep();
  await t.presence.flush();
  const bob = t
    .got('ann')
    .filter((u) => u.user === 'bob')
    .at(-1);
  assert.equal(bob?.state, 'offline');
  assert.equal(bob?.status, null);
  t.presence.close();
});

test('the window waits for quiet, but never longer than 4× the window', async () => {
  const t = setup({ ann: ['bob'], bob: ['ann'] }, 100);
  t.online('ann', 'bob');
  await t.presence.flush();
  t.reset();
  // A change every ~10 ms for over 600 ms: quiet never comes, so flushes come every 4 × 100 ms.
  const started = performance.now();
  for (let i = 0; performance.now() - started < 600; i++) {
    t.presence.set('bob', 'bob/1', { status: `take ${i}` });
    await new Promise((r) => setTimeout(r, 10));
  }
  const during = t.deliveries.length;
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(during >= 1, 'the max wait flushed while changes kept coming');
  assert.ok(t.deliveries.length <= 6, `a handful of events, not one per change: ${t.deliveries.length}`);
  t.presence.close();
});
