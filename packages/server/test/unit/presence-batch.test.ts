import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Batch } from '../../src/presence/presence-batch.js';
import type { PresenceSink } from '../../src/presence/presence-service.js';

/** One flush's presence deliveries: who gets which users, and how many distinct frames that is. */

interface Delivery {
  to: string[];
  users: { user: string; state: string }[];
}

/** A sink that records deliveries; only `watchers` subscribed to presence. */
function recording(...watchers: string[]): { sink: PresenceSink; sent: Delivery[] } {
  const sent: Delivery[] = [];
  const sink: PresenceSink = {
    watching: (u) => watchers.includes(u),
    deliver: (to, json) => {
      const event = JSON.parse(json) as { type: string; users: Delivery['users'] };
      assert.equal(event.type, 'presence');
      sent.push({ to: [...to], users: event.users });
    },
  };
  return { sink, sent };
}

/** Everyone is online; `hidden` users see themselves as hidden and are offline to others. */
const viewOf =
  (...hidden: string[]) =>
  (user: string, self: boolean): string =>
    JSON.stringify({ user, state: hidden.includes(user) ? (self ? 'hidden' : 'offline') : 'online' });

/** Deliveries as "recipients <- users", sorted, for whole-flush comparisons. */
function summary(sent: Delivery[]): string[] {
  return sent
    .map((d) => `${[...d.to].sort().join(',')} <- ${d.users.map((u) => `${u.user}:${u.state}`).join(',')}`)
    .sort();
}

test('one changed user heard by many recipients is one frame for all of them', () => {
  const { sink, sent } = recording('r1', 'r2', 'r3');
  const batch = new Batch(sink);
  for (const r of ['r1', 'r2', 'r3']) batch.add(r, 'ann');
  batch.send(viewOf());
  assert.equal(sent.length, 1);
  assert.deepEqual(summary(sent), ['r1,r2,r3 <- ann:online']);
});

test('recipients nobody subscribed for get nothing', () => {
  const { sink, sent } = recording('r1');
  const batch = new Batch(sink);
  batch.add('r1', 'ann');
  batch.add('idle', 'ann');
  batch.hide('idle', 'bob');
  batch.send(viewOf());
  assert.deepEqual(summary(sent), ['r1 <- ann:online']);
});

test('a recipient hearing of several users gets them in one event; equal lists share a frame', () => {
  const { sink, sent } = recording('r1', 'r2', 'r3');
  const batch = new Batch(sink);
  for (const r of ['r1', 'r2']) {
    batch.add(r, 'ann');
    batch.add(r, 'ann'); // a repeat within one user's run
    batch.add(r, 'bob');
  }
  batch.add('r3', 'bob');
  batch.send(viewOf());
  assert.deepEqual(summary(sent), ['r1,r2 <- ann:online,bob:online', 'r3 <- bob:online']);
});

test('after endOfChanges, adds that repeat earlier ones are sent once', () => {
  const { sink, sent } = recording('r1');
  const batch = new Batch(sink);
  batch.add('r1', 'ann');
  batch.add('r1', 'bob');
  batch.endOfChanges();
  // Visibility changes add again whom the recipient now sees, possibly already in the list.
  batch.add('r1', 'ann');
  batch.add('r1', 'cat');
  batch.send(viewOf());
  assert.deepEqual(summary(sent), ['r1 <- ann:online,bob:online,cat:online']);
});

test('hidden users are told as unknown, after the shown ones and once each', () => {
  const { sink, sent } = recording('r1', 'r2');
  const batch = new Batch(sink);
  batch.add('r1', 'ann');
  batch.hide('r1', 'dan');
  batch.hide('r1', 'dan');
  batch.hide('r2', 'dan');
  batch.send(viewOf());
  assert.deepEqual(summary(sent), ['r1 <- ann:online,dan:unknown', 'r2 <- dan:unknown']);
  const unknown = sent.find((d) => d.to.includes('r2'))?.users[0];
  assert.deepEqual(unknown, { user: 'dan', state: 'unknown', status: null, mobile: false, lastActive: null });
});

test('a hidden user hearing of themselves gets their own view, in a frame of their own', () => {
  const { sink, sent } = recording('hid', 'r1', 'r2');
  const batch = new Batch(sink);
  for (const r of ['hid', 'r1']) batch.add(r, 'hid');
  batch.add('r2', 'hid');
  batch.add('r2', 'ann');
  batch.add('hid', 'ann');
  batch.send(viewOf('hid'));
  assert.deepEqual(summary(sent), [
    'hid <- hid:hidden,ann:online',
    'r1 <- hid:offline',
    'r2 <- hid:offline,ann:online',
  ]);
});

test('the self view also holds when the hidden user is the only one in their event', () => {
  const { sink, sent } = recording('hid', 'r1');
  const batch = new Batch(sink);
  batch.add('hid', 'hid');
  batch.add('r1', 'hid');
  batch.send(viewOf('hid'));
  assert.deepEqual(summary(sent), ['hid <- hid:hidden', 'r1 <- hid:offline']);
});

test('a visible user hearing of themselves shares the frame of everyone else', () => {
  const { sink, sent } = recording('ann', 'r1');
  const batch = new Batch(sink);
  batch.add('ann', 'ann');
  batch.add('r1', 'ann');
  batch.send(viewOf());
  assert.deepEqual(summary(sent), ['ann,r1 <- ann:online']);
});
