import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Member, UserPresence } from '@presence/protocol';
import { memberCount, memberRows } from '../../src/state/member-view.ts';

function member(id: string, name: string, online: boolean): Member {
  return { id, name, online, role: 'member', avatar: '' };
}

test('the count, hover and screen-reader text follow the presence the dots show, not the room flag', () => {
  // The room still flags all three online; presence says one is hidden (offline) and one away.
  const members = [member('a', 'Ann', true), member('b', 'Bob', true), member('c', 'Cy', true)];
  const presence = new Map<string, UserPresence>([
    ['b', { user: 'b', state: 'offline', status: null, mobile: false, lastActive: null }],
    ['c', { user: 'c', state: 'away', status: null, mobile: false, lastActive: null }],
  ]);
  const rows = memberRows(members, (id) => presence.get(id), 'b');
  assert.deepEqual(
    rows.map((r) => [r.member.name, r.state, r.online, r.title, r.srText]),
    [
      ['Ann', 'online', true, 'Ann — online', ', online'],
      ['Cy', 'away', true, 'Cy — online', ', online'],
      ['Bob', 'offline', false, 'Bob (you) — offline', ', offline'],
    ],
  );
  assert.deepEqual(memberCount(rows), { online: 2, total: 3, text: '2/3', title: '2 online, 3 members' });
});

test('without presence (a stranger) the room flag decides', () => {
  const rows = memberRows([member('a', 'Ann', false)], () => undefined, null);
  assert.equal(rows[0]?.online, false);
  assert.equal(memberCount(rows).text, '0/1');
});
