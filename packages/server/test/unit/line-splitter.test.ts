import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineSplitter } from '../../src/transport/line-splitter.js';

/** The TCP framing fed raw bytes, cut where a socket may cut them. */

const bytes = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Feed `chunks` in order; the lines returned, or 'too-large' where a push reported it. */
function feed(splitter: LineSplitter, chunks: Buffer[]): (string | 'too-large')[] {
  const out: (string | 'too-large')[] = [];
  for (const chunk of chunks) {
    const r = splitter.push(chunk);
    if (r === 'too-large') out.push(r);
    else out.push(...r);
  }
  return out;
}

test('a multi-byte character cut at any byte comes out whole', () => {
  // 2-, 3- and 4-byte UTF-8 sequences; a decoder run per chunk would turn a cut one into U+FFFD.
  const line = '{"text":"é € 😀 ok"}';
  const raw = bytes(`${line}\n`);
  for (let cut = 1; cut < raw.length; cut++) {
    const got = feed(new LineSplitter(1024), [raw.subarray(0, cut), raw.subarray(cut)]);
    assert.deepEqual(got, [line], `cut at byte ${cut}`);
  }
  const oneByOne = feed(
    new LineSplitter(1024),
    [...raw].map((b) => Buffer.from([b])),
  );
  assert.deepEqual(oneByOne, [line]);
});

test('CRLF ends a line like LF, also when CR and LF arrive apart; a CR inside a line stays', () => {
  assert.deepEqual(feed(new LineSplitter(64), [bytes('a\r\nb\nc\r\n')]), ['a', 'b', 'c']);
  assert.deepEqual(feed(new LineSplitter(64), [bytes('one\r'), bytes('\ntwo\r'), bytes('\n')]), [
    'one',
    'two',
  ]);
  assert.deepEqual(feed(new LineSplitter(64), [bytes('x\ry\n')]), ['x\ry']);
});

test('blank lines (LF or CRLF alone) are skipped', () => {
  assert.deepEqual(feed(new LineSplitter(64), [bytes('\n\r\n\na\n\n')]), ['a']);
});

test('bytes after the last newline wait for the next chunk; without a newline no line is made', () => {
  const s = new LineSplitter(64);
  assert.deepEqual(s.push(bytes('first\nsec')), ['first']);
  assert.deepEqual(s.push(bytes('ond')), []);
  assert.deepEqual(s.push(bytes('\n')), ['second']);
  // A peer that sends a request without its newline and then closes gets nothing handled: the
  // splitter never turns a partial line into one (there is no flush for the close to call).
  const closing = new LineSplitter(64);
  assert.deepEqual(closing.push(bytes('{"type":"hello","id":1}')), []);
  assert.deepEqual(closing.push(Buffer.alloc(0)), []);
});

test('kept bytes are copied: the socket may reuse the chunk it handed over', () => {
  const s = new LineSplitter(64);
  const chunk = bytes('done\nhalf');
  assert.deepEqual(s.push(chunk), ['done']);
  chunk.fill(0x78); // what a reused buffer may hold by the time the rest arrives
  assert.deepEqual(s.push(bytes('-line\n')), ['half-line']);
});

test('the limit counts bytes: a line of exactly maxLineBytes passes, one more byte is too large', () => {
  // 'é' is two bytes: 'éé' is four.
  assert.deepEqual(feed(new LineSplitter(4), [bytes('éé\n')]), ['éé']);
  assert.deepEqual(feed(new LineSplitter(4), [bytes('ééa\n')]), ['too-large']);
  assert.deepEqual(feed(new LineSplitter(4), [bytes('é'), bytes('é'), bytes('\n')]), ['éé']);
});

test('a line over the limit is reported before its newline arrives, once; then nothing more', () => {
  const s = new LineSplitter(8);
  assert.deepEqual(s.push(bytes('ok\n12345')), ['ok']);
  assert.equal(s.push(bytes('6789')), 'too-large', 'the pending part alone is over the limit');
  // The stream is out of sync after that: even well-formed lines are not trusted any more.
  assert.deepEqual(s.push(bytes('fine\n')), []);
  assert.deepEqual(s.push(bytes('\nalso\n')), []);
});
