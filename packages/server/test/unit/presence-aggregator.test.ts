import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aggregate,
  effectiveState,
  toMinute,
  type DeviceFacts,
  type UserFacts,
} from '../../src/presence/presence-aggregator.js';

const IDLE = 300_000;
const NOW = Date.UTC(2026, 10, 22, 12, 30, 45, 500);

function device(over: Partial<DeviceFacts> = {}): DeviceFacts {
  return { state: 'online', idleSince: null, type: 'desktop', lastActive: NOW - 5_000, ...over };
}

function facts(devices: DeviceFacts[], over: Partial<UserFacts> = {}): UserFacts {
  return { devices, status: null, hiddenSince: null, lastActive: null, ...over };
}

const U = 'alice@localhost';

test('no device: offline, with the remembered last activity rounded down to the minute', () => {
  const { own, others } = aggregate(U, facts([], { lastActive: NOW, status: 'gone fishing' }), NOW, IDLE);
  assert.deepEqual(others, {
    user: U,
    state: 'offline',
    status: null,
    mobile: false,
    lastActive: Date.UTC(2026, 10, 22, 12, 30),
  });
  assert.deepEqual(own, others, 'offline shows no status text, even to oneself');
  assert.equal(aggregate(U, facts([]), NOW, IDLE).others.lastActive, null, 'never seen');
});

test('the most available device wins: chatty > online > busy > away', () => {
  const order = ['away', 'busy', 'online', 'chatty'] as const;
  for (let i = 0; i < order.length; i++) {
    for (let j = 0; j < order.length; j++) {
      const view = aggregate(U, facts([device({ state: order[i] }), device({ state: order[j] })]), NOW, IDLE);
      assert.equal(view.others.state, order[Math.max(i, j)], `${order[i]} + ${order[j]}`);
    }
  }
});

test('a device idle past the threshold counts as away; idle just under it does not', () => {
  const fresh = device({ state: 'chatty', idleSince: NOW - IDLE + 1 });
  const stale = device({ state: 'chatty', idleSince: NOW - IDLE });
  assert.equal(effectiveState(fresh, NOW, IDLE), 'chatty');
  assert.equal(effectiveState(stale, NOW, IDLE), 'away');
  assert.equal(aggregate(U, facts([stale]), NOW, IDLE).others.state, 'away');
  // A busy device in use beats a chatty one that went idle.
  assert.equal(aggregate(U, facts([stale, device({ state: 'busy' })]), NOW, IDLE).others.state, 'busy');
});

test('all devices idle: away, last active when the latest of them went idle', () => {
  const a = device({ idleSince: NOW - 2 * IDLE, lastActive: NOW - 2 * IDLE });
  const b = device({ idleSince: NOW - IDLE - 90_000, lastActive: NOW - IDLE - 90_000 });
  const view = aggregate(U, facts([a, b]), NOW, IDLE).others;
  assert.equal(view.state, 'away');
  assert.equal(view.lastActive, toMinute(NOW - IDLE - 90_000));
});

test('mobile when every active device is mobile; idle devices do not count unless all are idle', () => {
  const phone = device({ type: 'mobile' });
  const idleLaptop = device({ idleSince: NOW - IDLE - 1 });
  const laptop = device();
  assert.equal(aggregate(U, facts([phone]), NOW, IDLE).others.mobile, true);
  assert.equal(aggregate(U, facts([phone, laptop]), NOW, IDLE).others.mobile, false);
  assert.equal(aggregate(U, facts([phone, idleLaptop]), NOW, IDLE).others.mobile, true, 'the laptop is idle');
  const idlePhone = device({ type: 'mobile', idleSince: NOW - IDLE - 1 });
  assert.equal(aggregate(U, facts([idlePhone]), NOW, IDLE).others.mobile, true, 'all idle: all count');
  assert.equal(aggregate(U, facts([idlePhone, idleLaptop]), NOW, IDLE).others.mobile, false);
});

test('status text is per user and shown while not offline', () => {
  const view = aggregate(U, facts([device({ state: 'busy' })], { status: 'in a meeting' }), NOW, IDLE);
  assert.equal(view.others.status, 'in a meeting');
  assert.equal(view.own.status, 'in a meeting');
});

test('hidden: offline to others as of the moment they hid; the truth to themselves', () => {
  const hidAt = NOW - 3 * 60_000;
  const view = aggregate(
    U,
    facts([device({ state: 'chatty', type: 'mobile', lastActive: NOW })], {
      status: 'secret',
      hiddenSince: hidAt,
    }),
    NOW,
    IDLE,
  );
  assert.deepEqual(view.others, {
    user: U,
    state: 'offline',
    status: null,
    mobile: false,
    lastActive: toMinute(hidAt),
  });
  assert.equal(view.own.state, 'chatty');
  assert.equal(view.own.status, 'secret');
  assert.equal(view.own.mobile, true);
  assert.equal(view.own.lastActive, toMinute(NOW));
});

test('lastActive is the latest device activity, rounded down to the minute', () => {
  const view = aggregate(
    U,
    facts([device({ lastActive: NOW - 600_000 }), device({ lastActive: NOW - 61_000 })], {
      lastActive: NOW - 3_600_000,
    }),
    NOW,
    IDLE,
  );
  assert.equal(view.others.lastActive, toMinute(NOW - 61_000));
  assert.equal(view.others.lastActive % 60_000, 0);
});
