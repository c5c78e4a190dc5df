import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  dmNotice,
  lastSeenText,
  presenceLine,
  stateRank,
  unavailableText,
} from '../../src/presence-format.ts';

test('last seen', () => {
  const now = new Date(2024, 4, 10, 12, 0).getTime();
  assert.equal(lastSeenText(now - 20_000, now), 'last seen just now');
  assert.equal(lastSeenText(now + 60_000, now), 'last seen just now', 'a clock ahead is not the future');
  assert.equal(lastSeenText(now - 5 * 60_000, now), 'last seen 5 min ago');
  assert.equal(lastSeenText(now - 59 * 60_000, now), 'last seen 59 min ago');
  assert.equal(lastSeenText(now - 3 * 3600_000, now), 'last seen 3 h ago');
  assert.equal(lastSeenText(new Date(2024, 4, 9, 14, 5).getTime(), now), 'last seen yesterday at 14:05');
  assert.equal(lastSeenText(new Date(2024, 4, 3, 9).getTime(), now), 'last seen on 3 May');
  assert.equal(lastSeenText(new Date(2023, 4, 3, 9).getTime(), now), 'last seen on 3 May 2023');
  // Late yesterday, but under six hours ago: hours read better than a date.
  const late = new Date(2024, 4, 10, 1, 0).getTime();
  assert.equal(lastSeenText(new Date(2024, 4, 9, 22, 0).getTime(), late), 'last seen 3 h ago');
});

test('why a direct message was refused, in words', () => {
  assert.equal(
    unavailableText('Bob', 'busy', true),
    'Bob is busy and only accepts messages from important contacts',
  );
  assert.equal(unavailableText('Bob', 'online', false), 'Bob only accepts messages from contacts right now');
  assert.equal(unavailableText('Bob', undefined, false), 'Bob only accepts messages from contacts right now');
  assert.equal(unavailableText('Bob', 'away', false), 'Bob is away; only contacts can leave them messages');
  assert.equal(unavailableText('Bob', 'online', true), 'Bob is not accepting messages right now');
});

test('what the DM window says beforehand', () => {
  assert.equal(dmNotice('Bob', 'chatty', false), '');
  assert.equal(dmNotice('Bob', undefined, false), '', 'nothing is known of a stranger');
  assert.equal(dmNotice('Bob', 'online', true), '');
  assert.equal(dmNotice('Bob', 'online', false), 'Bob only accepts messages from contacts right now.');
  assert.equal(
    dmNotice('Bob', 'busy', false),
    'Bob is busy and only accepts messages from important contacts.',
  );
  assert.match(dmNotice('Bob', 'busy', true), /^Bob is busy: unless you are one of their important contacts/);
  assert.equal(
    dmNotice('Bob', 'away', true),
    'Bob is away: your messages will be delivered when they are back.',
  );
});

test('presence line and order', () => {
  const now = new Date(2024, 4, 10, 12, 0).getTime();
  assert.equal(presenceLine(undefined, now), '');
  assert.equal(presenceLine({ state: 'busy', status: 'in a meeting', lastActive: now }, now), 'in a meeting');
  assert.equal(presenceLine({ state: 'away', status: null, lastActive: now }, now), 'Away');
  assert.equal(
    presenceLine({ state: 'offline', status: null, lastActive: now - 10 * 60_000 }, now),
    'last seen 10 min ago',
  );
  assert.equal(presenceLine({ state: 'offline', status: null, lastActive: null }, now), 'Offline');
  const order = (['offline', 'busy', undefined, 'chatty', 'away', 'online'] as const)
    .slice()
    .sort((a, b) => stateRank(a) - stateRank(b));
  assert.deepEqual(order, ['chatty', 'online', 'busy', 'away', 'offline', undefined]);
});
