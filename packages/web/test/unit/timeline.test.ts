import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomEvent, UserRef } from '@presence/protocol';
import { Timeline, type TimelineMessage } from '../../src/timeline.ts';

const alice: UserRef = { id: '~alice@test', name: 'Alice', avatar: '/avatars/a.svg' };
const base = { room: 'r1', epoch: 'e1', ts: 1_700_000_000_000 };

function msg(
  seq: number,
  text = `m${seq}`,
  extra: Partial<Extract<RoomEvent, { type: 'message' }>> = {},
): RoomEvent {
  return { ...base, type: 'message', seq, from: alice, text, html: `<p>${text}</p>`, ...extra };
}
function edit(seq: number, target: number, text: string): RoomEvent {
  return { ...base, type: 'message.edited', seq, by: alice, target, text, html: `<p>${text}</p>` };
}
function del(seq: number, target: number): RoomEvent {
  return { ...base, type: 'message.deleted', seq, by: alice, target };
}
function joined(seq: number): RoomEvent {
  return { ...base, type: 'member.joined', seq, user: { ...alice, role: 'member', online: true } };
}
const message = (t: Timeline, seq: number) => t.items.get(seq) as TimelineMessage;

test('snapshots and live events merge by seq without duplicates', () => {
  const t = new Timeline();
  const first = t.applySnapshot('e1', [joined(1), msg(2), msg(3)], { kind: 'join', hasMoreBefore: false });
  assert.deepEqual(first.added, [1, 2, 3]);
  assert.deepEqual(t.applyLive(msg(3)).added, [], 'a duplicate live event adds nothing');
  assert.deepEqual(t.applyLive(msg(4)).added, [4]);
  // A reload after resync overlaps what is loaded: only the new seq is added.
  const again = t.applySnapshot('e1', [msg(3), msg(4), msg(5)], { kind: 'join', hasMoreBefore: true });
  assert.equal(again.reset, false);
  assert.deepEqual(again.added, [5]);
  assert.deepEqual(t.order, [1, 2, 3, 4, 5]);
  assert.equal(t.items.get(1)?.kind, 'notice');
  assert.equal(t.hasMoreBefore, false, 'a re-join keeps what scroll-back knew');
});

test('history pages go before, in order, and track whether more exist', () => {
  const t = new Timeline();
  t.applySnapshot('e1', [msg(101), msg(102)], { kind: 'join', hasMoreBefore: true });
  assert.equal(t.hasMoreBefore, true);
  assert.equal(t.oldestLoaded, 101);
  const page = Array.from({ length: 50 }, (_, i) => msg(51 + i));
  const change = t.applySnapshot('e1', page, { kind: 'history', hasMoreBefore: true });
  assert.equal(change.added.length, 50);
  assert.equal(t.oldestLoaded, 51);
  assert.deepEqual(t.order.slice(0, 3), [51, 52, 53]);
  assert.equal(t.order.at(-1), 102);
  t.applySnapshot('e1', [msg(1)], { kind: 'history', hasMoreBefore: false });
  assert.equal(t.hasMoreBefore, false);
  assert.equal(t.order[0], 1);
});

test('a new epoch restarts the timeline; a re-join that leaves a gap drops the stale part', () => {
  const t = new Timeline();
  t.applySnapshot('e1', [msg(1), msg(2)], { kind: 'join', hasMoreBefore: false });
  const other = t.applySnapshot('e2', [{ ...msg(1, 'new'), epoch: 'e2' }], {
    kind: 'join',
    hasMoreBefore: false,
  });
  assert.equal(other.reset, true);
  assert.deepEqual(t.order, [1]);
  assert.equal(message(t, 1).text, 'new');

  const g = new Timeline();
  g.applySnapshot('e1', [msg(1), msg(2)], { kind: 'join', hasMoreBefore: false });
  const gap = g.applySnapshot('e1', [msg(80), msg(81)], { kind: 'join', hasMoreBefore: true });
  assert.equal(gap.reset, true);
  assert.deepEqual(g.order, [80, 81]);
  assert.equal(g.hasMoreBefore, true);
});

test('live edits and deletes apply, also to messages that arrive later in an older page', () => {
  const t = new Timeline();
  t.applySnapshot('e1', [msg(10)], { kind: 'join', hasMoreBefore: true });
  const e = t.applyLive(edit(11, 10, 'fixed'));
  assert.deepEqual(e.updated, [10]);
  assert.equal(message(t, 10).text, 'fixed');
  assert.equal(message(t, 10).edited, base.ts);
  t.applyLive(edit(12, 5, 'old one fixed'));
  t.applyLive(del(13, 6));
  t.applySnapshot('e1', [msg(5), msg(6)], { kind: 'history', hasMoreBefore: false });
  assert.equal(message(t, 5).text, 'old one fixed');
  assert.equal(message(t, 6).deleted, true);
  assert.equal(message(t, 6).html, '');
  assert.deepEqual(t.order, [5, 6, 10], 'edit and delete events are not timeline rows');
});

test('edit events inside snapshots never overwrite the current text they carry', () => {
  const t = new Timeline();
  t.applySnapshot('e1', [msg(1, 'third version', { edited: base.ts }), edit(2, 1, 'second version')], {
    kind: 'join',
    hasMoreBefore: false,
  });
  assert.equal(message(t, 1).text, 'third version');
  t.applySnapshot('e1', [msg(3, '', { deleted: true })], { kind: 'join', hasMoreBefore: false });
  assert.equal(message(t, 3).deleted, true);
});

test('lastMessage, previous and next walk the order', () => {
  const t = new Timeline();
  t.applySnapshot('e1', [msg(1), joined(2), msg(3)], { kind: 'join', hasMoreBefore: false });
  assert.equal(t.lastMessage()?.seq, 3);
  assert.equal(t.previous(3)?.seq, 2);
  assert.equal(t.next(1)?.seq, 2);
  assert.equal(t.next(3), undefined);
  assert.equal(t.lastMessage((m) => m.seq < 3)?.seq, 1);
});

test('unnamed rooms: edit and delete events in a snapshot are applied to the messages they target', () => {
  const t = new Timeline();
  t.applySnapshot('e1', [msg(1, 'Meet at 10'), msg(2, 'oops'), edit(3, 1, 'Meet at 11'), del(4, 2)], {
    kind: 'join',
    hasMoreBefore: false,
  });
  assert.equal(message(t, 1).text, 'Meet at 11');
  assert.equal(message(t, 2).deleted, true);
  assert.equal(message(t, 2).text, '');
  // Scroll-back order: the edit arrives in a newer page before its message.
  const u = new Timeline();
  u.applySnapshot('e1', [edit(8, 5, 'newest'), del(9, 6)], { kind: 'join', hasMoreBefore: true });
  u.applySnapshot('e1', [msg(5, 'original'), msg(6, 'gone soon'), edit(7, 5, 'older edit')], {
    kind: 'history',
    hasMoreBefore: false,
  });
  assert.equal(message(u, 5).text, 'newest', 'the newest edit wins whatever order pages arrive in');
  assert.equal(message(u, 6).deleted, true);
});
