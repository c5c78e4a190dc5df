import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecentEntry } from '../../src/broker/broker.js';
import { RecentWindow } from '../../src/broker/recent-window.js';

/** A room's ring of recent events: what it can vouch for, and what it must refuse to answer. */

const entry = (seq: number): RecentEntry => ({ seq, json: `{"seq":${seq}}` });
const seqs = (entries: RecentEntry[] | null): number[] | null => entries && entries.map((e) => e.seq);

function windowWith(capacity: number, from: number, to: number, lastSeq = from - 1): RecentWindow {
  const w = new RecentWindow('e1', capacity, lastSeq);
  for (let s = from; s <= to; s++) w.push(entry(s));
  return w;
}

test('since() returns what came after a position inside the window, in order', () => {
  const w = windowWith(5, 1, 4);
  assert.deepEqual(seqs(w.since(0)), [1, 2, 3, 4]);
  assert.deepEqual(seqs(w.since(2)), [3, 4]);
  assert.equal(w.lastSeq, 4);
});

test('a client at the head missed nothing; one ahead of the head gets null, not []', () => {
  const w = windowWith(5, 1, 4);
  assert.deepEqual(w.since(4), []);
  assert.equal(w.since(5), null, 'a position the room never reached cannot be vouched for');
});

test('once the ring wraps, positions older than what it holds get null', () => {
  const w = windowWith(3, 1, 7); // holds 5, 6, 7
  assert.deepEqual(seqs(w.since(4)), [5, 6, 7], 'just inside: the oldest kept entry follows it');
  assert.equal(w.since(3), null, 'seq 4 was evicted: cannot say what came after 3');
  assert.equal(w.since(0), null);
  assert.deepEqual(seqs(w.latest(2)), [6, 7]);
  assert.deepEqual(seqs(w.latest(10)), [5, 6, 7], 'latest() is bounded by what is held');
});

test('a window started at a room already at seq N vouches only from N on', () => {
  const w = new RecentWindow('e1', 5, 10);
  assert.deepEqual(w.since(10), []);
  assert.equal(w.since(9), null, 'events up to 10 happened before this window existed');
  w.push(entry(11));
  assert.deepEqual(seqs(w.since(10)), [11]);
  assert.equal(w.since(9), null);
});

test('an out-of-sequence push forgets everything before it', () => {
  const w = windowWith(5, 1, 3);
  w.push(entry(7)); // 4..6 were never seen here
  assert.equal(w.lastSeq, 7);
  assert.deepEqual(seqs(w.since(6)), [7]);
  assert.equal(w.since(3), null, 'the gap 4..6 means nothing before 7 can be vouched for');
  assert.equal(w.since(1), null);
  assert.deepEqual(seqs(w.latest(5)), [7]);
  w.push(entry(8));
  assert.deepEqual(seqs(w.since(6)), [7, 8]);
});
