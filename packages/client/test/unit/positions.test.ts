import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RoomEvent } from '@presence/protocol';
import { PositionTracker } from '../../src/positions.js';

function message(seq: number, epoch = 'e1', room = 'r'): RoomEvent {
  return {
    type: 'message',
    room,
    epoch,
    seq,
    ts: seq,
    from: { id: 'a@t', name: 'A', avatar: '' },
    text: `m${seq}`,
    html: '',
  };
}

/** A tracker whose history holds `stored` and whose requests the test resolves by hand. */
function harness(stored: RoomEvent[] = []) {
  const emitted: number[] = [];
  const resyncs: string[] = [];
  const fetches: number[] = [];
  let release: () => void = () => {};
  let gate = Promise.resolve();
  const tracker = new PositionTracker({
    emit: (e) => emitted.push(e.seq),
    resync: (room) => resyncs.push(room),
    fetchHistory: async (_room, after) => {
      fetches.push(after);
      await gate;
      return { events: stored.filter((e) => e.seq > after) };
    },
  });
  const hold = () => {
    gate = new Promise((resolve) => (release = resolve));
  };
  return { tracker, emitted, resyncs, fetches, hold, release: () => release() };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

test('untracked rooms pass through; tracked ones drop seq ≤ position', () => {
  const h = harness();
  h.tracker.handle(message(5, 'e1', 'other'));
  h.tracker.set('r', 'e1', 3);
  h.tracker.handle(message(2));
  h.tracker.handle(message(3));
  h.tracker.handle(message(4));
  h.tracker.handle(message(4));
  assert.deepEqual(h.emitted, [5, 4]);
  assert.deepEqual(h.tracker.get('r'), { room: 'r', epoch: 'e1', seq: 4 });
});

test('gap: history fills it, buffered events follow in order without duplicates', async () => {
  const stored = [1, 2, 3, 4, 5, 6].map((s) => message(s));
  const h = harness(stored);
  h.tracker.set('r', 'e1', 1);
  h.hold();
  h.tracker.handle(message(4));
  h.tracker.handle(message(6));
  h.tracker.handle(message(4));
  h.tracker.handle(message(5));
  assert.deepEqual(h.emitted, [], 'nothing passes while the gap is open');
  assert.deepEqual(h.tracker.get('r')?.seq, 1, 'hello would resume from before the gap');
  h.release();
  await settle();
  assert.deepEqual(h.emitted, [2, 3, 4, 5, 6]);
  assert.deepEqual(h.fetches, [1]);
  assert.deepEqual(h.resyncs, []);
});

test('gap: a failed history request emits resync and skips to the buffered events', async () => {
  const h = harness();
  const tracker = new PositionTracker({
    emit: (e) => h.emitted.push(e.seq),
    resync: (room) => h.resyncs.push(room),
    fetchHistory: () => Promise.reject(new Error('offline')),
  });
  tracker.set('r', 'e1', 1);
  tracker.handle(message(3));
  tracker.handle(message(4));
  await settle();
  assert.deepEqual(h.emitted, [3, 4]);
  assert.deepEqual(h.resyncs, ['r']);
});

test('a re-join during a fill supersedes it', async () => {
  const h = harness([1, 2, 3].map((s) => message(s)));
  h.tracker.set('r', 'e1', 0);
  h.hold();
  h.tracker.handle(message(3));
  h.tracker.set('r', 'e1', 3);
  h.release();
  await settle();
  assert.deepEqual(h.emitted, [], 'the snapshot already covers 1..3');
  h.tracker.handle(message(4));
  assert.deepEqual(h.emitted, [4]);
});

test('a new epoch resyncs and is followed from there', () => {
  const h = harness();
  h.tracker.set('r', 'e1', 10);
  h.tracker.handle(message(1, 'e2'));
  h.tracker.handle(message(1, 'e2'));
  h.tracker.handle(message(2, 'e2'));
  assert.deepEqual(h.emitted, [1, 2]);
  assert.deepEqual(h.resyncs, ['r']);
  assert.deepEqual(h.tracker.positions(), [{ room: 'r', epoch: 'e2', seq: 2 }]);
});

test('forget stops tracking', () => {
  const h = harness();
  h.tracker.set('r', 'e1', 1);
  h.tracker.forget('r');
  assert.deepEqual(h.tracker.positions(), []);
  h.tracker.handle(message(1));
  assert.deepEqual(h.emitted, [1]);
});
