import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineDecoder } from '../../src/line-decoder.js';

const bytes = (text: string) => new TextEncoder().encode(text);

test('several lines in one chunk, a partial line kept for the next', () => {
  const decoder = new LineDecoder();
  assert.deepEqual(decoder.push(bytes('{"a":1}\n{"b":2}\n{"c"')), ['{"a":1}', '{"b":2}']);
  assert.deepEqual(decoder.push(bytes(':3}')), []);
  assert.deepEqual(decoder.push(bytes('\n')), ['{"c":3}']);
});

test('multi-byte characters split at every possible byte boundary survive', () => {
  const text = 'é€😀 ünïcödé 中文\n';
  const all = bytes(text);
  for (let cut = 1; cut < all.length; cut++) {
    for (let cut2 = cut; cut2 < all.length; cut2++) {
      const decoder = new LineDecoder();
      const lines = [
        ...decoder.push(all.subarray(0, cut)),
        ...decoder.push(all.subarray(cut, cut2)),
        ...decoder.push(all.subarray(cut2)),
      ];
      assert.deepEqual(lines, [text.slice(0, -1)], `cuts at ${cut}, ${cut2}`);
    }
  }
});

test('one byte at a time; CRLF and blank lines are tolerated', () => {
  const decoder = new LineDecoder();
  const out: string[] = [];
  for (const byte of bytes('x😀y\r\n\n\nz\n')) out.push(...decoder.push(Uint8Array.of(byte)));
  assert.deepEqual(out, ['x😀y', 'z']);
});

test('a line longer than the limit throws instead of growing without bound', () => {
  const decoder = new LineDecoder(8);
  assert.deepEqual(decoder.push(bytes('12345678\n')), ['12345678']);
  assert.throws(() => decoder.push(bytes('123456789')), RangeError);
  assert.throws(() => new LineDecoder(4).push(bytes('12345\n')), RangeError);
});
