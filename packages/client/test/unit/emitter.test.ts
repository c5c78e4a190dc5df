import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TypedEmitter } from '../../src/index.js';

interface Events {
  count: number;
  name: string;
}

test('on/off/emit deliver typed payloads to the right listeners', () => {
  const emitter = new TypedEmitter<Events>();
  const counts: number[] = [];
  const names: string[] = [];
  const onCount = (n: number) => counts.push(n);
  const stop = emitter.on('name', (s) => names.push(s));
  emitter.on('count', onCount);
  emitter.emit('count', 1);
  emitter.emit('name', 'a');
  emitter.off('count', onCount);
  stop();
  emitter.emit('count', 2);
  emitter.emit('name', 'b');
  assert.deepEqual(counts, [1]);
  assert.deepEqual(names, ['a']);
  assert.equal(emitter.listenerCount('count'), 0);
});

test('a throwing listener is reported and does not stop the others', () => {
  const reported: unknown[] = [];
  const emitter = new TypedEmitter<Events>((error) => reported.push(error));
  const seen: number[] = [];
  emitter.on('count', () => {
    throw new Error('listener bug');
  });
  emitter.on('count', (n) => seen.push(n));
  emitter.emit('count', 7);
  assert.deepEqual(seen, [7]);
  assert.equal((reported[0] as Error).message, 'listener bug');
});

test('a listener removed during emit does not break the loop', () => {
  const emitter = new TypedEmitter<Events>();
  const seen: string[] = [];
  const second = () => seen.push('second');
  emitter.on('count', () => {
    seen.push('first');
    emitter.off('count', second);
  });
  emitter.on('count', second);
  emitter.emit('count', 1);
  emitter.emit('count', 2);
  assert.deepEqual(seen, ['first', 'second', 'first']);
});
