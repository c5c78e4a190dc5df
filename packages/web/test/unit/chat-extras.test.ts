import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomEvent, UserRef } from '@presence/protocol';
import { Timeline, type TimelineMessage } from '../../src/timeline.ts';
import { highlightMentions, mentionedIds, mentionQuery } from '../../src/mentions.ts';
import { nameLabel } from '../../src/names.ts';

const alice: UserRef = { id: '~alice@test', name: 'Alice', avatar: '/a.svg' };
const bob: UserRef = { id: '~bob@test', name: 'Bob', avatar: '/b.svg' };
const base = { room: 'r1', epoch: 'e1', ts: 1_700_000_000_000 };
const msg = (seq: number, extra: object = {}): RoomEvent => ({
  ...base,
  type: 'message',
  seq,
  from: alice,
  text: `m${seq}`,
  html: `<p>m${seq}</p>`,
  ...extra,
});
const react = (seq: number, target: number, by: UserRef, emoji: string, on: boolean): RoomEvent => ({
  ...base,
  type: 'reaction',
  seq,
  by,
  target,
  emoji,
  on,
});
const message = (t: Timeline, seq: number) => t.items.get(seq) as TimelineMessage;

test('live reactions toggle and count; a message without any carries none', () => {
  const t = new Timeline();
  t.applySnapshot('e1', [msg(1)], { kind: 'join', hasMoreBefore: false });
  assert.deepEqual(t.applyLive(react(2, 1, bob, '👍', true)).updated, [1]);
  t.applyLive(react(3, 1, alice, '👍', true));
  assert.deepEqual(message(t, 1).reactions, { '👍': [bob.id, alice.id] });
  t.applyLive(react(4, 1, bob, '👍', false));
  t.applyLive(react(5, 1, alice, '👍', false));
  assert.equal(message(t, 1).reactions, undefined);
  assert.equal(t.items.has(2), false, 'reactions are not timeline rows');
});

test('named rooms snapshot current reactions; unnamed rooms replay their reaction events', () => {
  const named = new Timeline();
  // The message is current (Bob took his reaction back at seq 3); the older event must not undo that.
  named.applySnapshot(
    'e1',
    [
      msg(1, { reactions: { '🎉': [alice.id] } }),
      react(2, 1, bob, '🎉', true),
      react(3, 1, bob, '🎉', false),
    ],
    {
      kind: 'join',
      hasMoreBefore: false,
      currentReactions: true,
    },
  );
  assert.deepEqual(message(named, 1).reactions, { '🎉': [alice.id] });
  const unnamed = new Timeline();
  unnamed.applySnapshot('e1', [msg(1), react(2, 1, bob, '🎉', true)], { kind: 'join', hasMoreBefore: false });
  assert.deepEqual(message(unnamed, 1).reactions, { '🎉': [bob.id] });
});

test('replies, mentions and files come along; a delete drops them', () => {
  const t = new Timeline();
  const file = { id: 'f1234567', name: 'a.png', type: 'image/png', size: 10, w: 2, h: 2 };
  t.applyLive(msg(1, { reply: { seq: 1, from: bob.id, name: 'Bob', text: 'hi' }, mentions: [bob.id], file }));
  assert.equal(message(t, 1).reply?.name, 'Bob');
  assert.deepEqual(message(t, 1).mentions, [bob.id]);
  assert.equal(message(t, 1).file?.id, 'f1234567');
  t.applyLive({ ...base, type: 'message.deleted', seq: 2, by: alice, target: 1 });
  assert.equal(message(t, 1).file, undefined);
  assert.equal(message(t, 1).reply, undefined);
});

test('mentions: highlighted only in text, escaped names matched, never markup from a name', () => {
  const names: Record<string, string> = { b: 'Bob', e: '<img src=x>' };
  const html = highlightMentions(
    '<p>hi @Bob and @&lt;img src=x&gt; <a href="x">@Bob</a></p>',
    ['b', 'e'],
    (id) => names[id] ?? '',
  );
  assert.equal(
    html,
    '<p>hi <span class="mention">@Bob</span> and <span class="mention">@&lt;img src=x&gt;</span> <a href="x"><span class="mention">@Bob</span></a></p>',
  );
  assert.deepEqual(mentionQuery('hello @Bo', 9), { start: 6, query: 'Bo' });
  assert.equal(mentionQuery('mail a@b', 8), null);
  assert.deepEqual(
    mentionedIds(
      '@Bob hi',
      new Map([
        ['b', 'Bob'],
        ['c', 'Carol'],
      ]),
    ),
    ['b'],
  );
});

test('same display names are told apart by a piece of the user id', () => {
  const members = [
    { id: '~k3f9x2ab@host', name: 'Alex' },
    { id: 'alex@host', name: 'alex' },
    { id: 'sam@host', name: 'Sam' },
  ];
  assert.equal(nameLabel(members[0] as { id: string; name: string }, members), 'Alex (~k3f9)');
  assert.equal(nameLabel(members[1] as { id: string; name: string }, members), 'alex (alex)');
  assert.equal(nameLabel(members[2] as { id: string; name: string }, members), 'Sam');
});
