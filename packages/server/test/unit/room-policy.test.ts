import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomRole, Visibility } from '@presence/protocol';
import { decide, joiningRole, type RoomAction } from '../../src/rooms/room-policy.js';

/**
 * The policy as a pure function, for what the socket-level matrix (authorization.test.ts, named
 * private rooms) does not show: unnamed rooms and the join rule for each visibility.
 */

const named = (visibility: Visibility = 'private') => ({ persistent: true, visibility });
const unnamed = (visibility: Visibility = 'link') => ({ persistent: false, visibility });

function outcome(action: RoomAction, role: RoomRole | null, room = named(), extra = {}): string {
  const d = decide(action, { role, room, ...extra });
  return d.ok ? 'ok' : d.code;
}

test('joining: public and link rooms admit anyone; private ones members and invite holders', () => {
  for (const visibility of ['public', 'link'] as const) {
    assert.equal(outcome('room.join', null, named(visibility)), 'ok');
    assert.equal(outcome('room.join', null, unnamed(visibility)), 'ok');
  }
  assert.equal(outcome('room.join', null, named('private')), 'FORBIDDEN');
  assert.equal(outcome('room.join', null, unnamed('private')), 'FORBIDDEN');
  assert.equal(outcome('room.join', null, named('private'), { invite: true }), 'ok');
  assert.equal(outcome('room.join', 'guest', named('private')), 'ok', 'members come back freely');
});

test('unnamed rooms: any member but a guest may change (and name) them', () => {
  assert.equal(outcome('room.update', 'member', unnamed()), 'ok');
  assert.equal(outcome('room.update', 'guest', unnamed()), 'FORBIDDEN');
  assert.equal(outcome('room.update', 'member', named()), 'FORBIDDEN');
  assert.equal(outcome('room.update', null, unnamed()), 'NOT_IN_ROOM');
});

test('roles: nobody changes or removes the owner; admins act only below themselves', () => {
  for (const role of ['owner', 'admin', 'member', 'guest'] as const) {
    assert.equal(
      outcome('room.role', role, named(), { targetRole: 'owner', newRole: 'member' }),
      'FORBIDDEN',
    );
    assert.equal(outcome('room.remove', role, named(), { targetRole: 'owner' }), 'FORBIDDEN');
  }
  assert.equal(outcome('room.role', 'admin', named(), { targetRole: 'guest', newRole: 'member' }), 'ok');
  assert.equal(
    outcome('room.role', 'admin', named(), { targetRole: 'member', newRole: 'admin' }),
    'FORBIDDEN',
  );
  assert.equal(outcome('room.remove', 'admin', named(), { targetRole: 'guest' }), 'ok');
  assert.equal(outcome('room.remove', 'owner', named(), { targetRole: 'admin' }), 'ok');
});

test('a guest user joins a named room as guest, everybody else as member', () => {
  assert.equal(joiningRole({ persistent: true }, '~abc@localhost'), 'guest');
  assert.equal(joiningRole({ persistent: false }, '~abc@localhost'), 'member');
  assert.equal(joiningRole({ persistent: true }, 'alice@localhost'), 'member');
});
