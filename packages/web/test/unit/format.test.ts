import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  badgeCount,
  clockTime,
  dayLabel,
  roomTitle,
  roomUrl,
  typingText,
  webSocketUrl,
} from '../../src/format.ts';
import { parseRoute, routePath } from '../../src/router.ts';

test('clock time is HH:MM, 24-hour', () => {
  const d = new Date(2024, 0, 2, 7, 5, 9);
  assert.equal(clockTime(d.getTime()), '07:05');
  assert.equal(clockTime(new Date(2024, 0, 2, 23, 59).getTime()), '23:59');
});

test('day labels', () => {
  const now = new Date(2024, 4, 10, 12).getTime();
  assert.equal(dayLabel(new Date(2024, 4, 10, 1).getTime(), now), 'Today');
  assert.equal(dayLabel(new Date(2024, 4, 9, 23).getTime(), now), 'Yesterday');
  assert.notEqual(dayLabel(new Date(2024, 4, 1).getTime(), now), 'Yesterday');
});

test('typing sentences', () => {
  assert.equal(typingText([]), '');
  assert.equal(typingText(['Alice']), 'Alice is typing…');
  assert.equal(typingText(['Alice', 'Bob']), 'Alice and Bob are typing…');
  assert.equal(typingText(['A', 'B', 'C']), 'A, B and C are typing…');
  assert.equal(typingText(['A', 'B', 'C', 'D', 'E']), 'A, B and 3 others are typing…');
});

test('urls, titles, badges', () => {
  assert.equal(webSocketUrl({ protocol: 'https:', host: 'chat.example.org' }), 'wss://chat.example.org/ws');
  assert.equal(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:7880' }), 'ws://127.0.0.1:7880/ws');
  assert.equal(roomUrl('http://h', 'abc_1-2'), 'http://h/r/abc_1-2');
  assert.equal(roomTitle(null), 'Unnamed room');
  assert.equal(roomTitle('  '), 'Unnamed room');
  assert.equal(roomTitle('Team'), 'Team');
  assert.equal(badgeCount(5), '5');
  assert.equal(badgeCount(150), '99+');
});

test('routes', () => {
  assert.deepEqual(parseRoute({ pathname: '/', search: '' }), { view: 'home' });
  assert.deepEqual(parseRoute({ pathname: '/r/abc-_9', search: '' }), { view: 'room', room: 'abc-_9' });
  assert.deepEqual(parseRoute({ pathname: '/r/abc/', search: '' }), { view: 'room', room: 'abc' });
  assert.deepEqual(parseRoute({ pathname: '/r/a%20b', search: '' }), { view: 'not-found' });
  assert.deepEqual(parseRoute({ pathname: '/', search: '?view=directory&q=team' }), {
    view: 'directory',
    query: 'team',
  });
  assert.equal(routePath({ view: 'directory', query: 'a b' }), '/?view=directory&q=a%20b');
  assert.equal(routePath({ view: 'room', room: 'xyz' }), '/r/xyz');
});
