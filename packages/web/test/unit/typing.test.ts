import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypingSender, TypingTracker, type Clock } from '../../src/typing.ts';

/** A manual clock: timers fire only when the test advances time. */
function fakeClock() {
  let now = 0;
  let nextId = 1;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: Clock = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimeout(handle) {
      timers.delete(handle as number);
    },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].fn();
    }
    now = until;
  };
  return { clock, advance };
}

test('typing: true at most every 3 s while typing, false after 5 s idle', () => {
  const { clock, advance } = fakeClock();
  const sent: boolean[] = [];
  const s = new TypingSender((t) => sent.push(t), clock);
  s.input(true);
  assert.deepEqual(sent, [true]);
  for (let i = 0; i < 6; i++) {
    advance(500);
    s.input(true);
  }
  assert.deepEqual(sent, [true, true], 'refreshed once after 3 s of keys');
  advance(4999);
  assert.deepEqual(sent, [true, true]);
  advance(1);
  assert.deepEqual(sent, [true, true, false], 'false after 5 s without input');
});

test('typing: false on send/blur and on an emptied composer, once', () => {
  const { clock } = fakeClock();
  const sent: boolean[] = [];
  const s = new TypingSender((t) => sent.push(t), clock);
  s.stop();
  assert.deepEqual(sent, [], 'nothing to stop');
  s.input(true);
  s.input(false);
  s.stop();
  assert.deepEqual(sent, [true, false]);
  assert.equal(s.isTyping, false);
});

test("others' typing expires after 6 s without a refresh", () => {
  const { clock, advance } = fakeClock();
  let changes = 0;
  const t = new TypingTracker(() => changes++, clock);
  const bob = { id: 'b', name: 'Bob' };
  t.set(bob, true);
  t.set({ id: 'c', name: 'Carol' }, true);
  assert.deepEqual(t.names(), ['Bob', 'Carol']);
  advance(4000);
  t.set(bob, true);
  advance(2500);
  assert.deepEqual(t.names(), ['Bob'], 'Carol expired, Bob was refreshed');
  t.set(bob, false);
  assert.deepEqual(t.names(), []);
  assert.equal(changes, 4);
});
