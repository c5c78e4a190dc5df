import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeClientMessage,
  decodeClientMessageBySchema,
  fastChatSend,
  requestSchemas,
} from '../../src/index.js';

/**
 * The hand-written chat.send path must decide exactly as the zod schema does: same acceptance, same
 * value (keys, order of no importance, no extra or missing key), same error code and message.
 */

const base = { type: 'chat.send', id: 7, room: 'r_1-X', text: 'hello' };
const frame = (patch: Record<string, unknown>): string => JSON.stringify({ ...base, ...patch });
const without = (key: string): string => {
  const copy: Record<string, unknown> = { ...base };
  delete copy[key];
  return JSON.stringify(copy);
};

/** Frames the fast path must take (and give what zod gives). */
const common: string[] = [
  frame({}),
  frame({ id: 0 }),
  frame({ id: Number.MAX_SAFE_INTEGER }),
  frame({ id: 'a' }),
  frame({ id: 'x'.repeat(64) }),
  frame({ id: 'é'.repeat(64) }),
  frame({ nonce: 'n' }),
  frame({ nonce: 'n'.repeat(64) }),
  frame({ room: 'a' }),
  frame({ room: 'A'.repeat(64) }),
  frame({ text: 'x'.repeat(16_000) }),
  frame({ text: 'a plain message of a hundred and fifty characters '.repeat(3) }),
  frame({ text: 'emoji 😀👍🏽, lone \ud800 and \udc00 surrogates, U+2028 \u2028, NUL \u0000' }),
  frame({ text: '   ' }),
  frame({ text: '<script>alert(1)</script> & "quotes"' }),
  '{"text":"order","room":"r","id":1,"type":"chat.send"}',
  '{"type":"chat.send","id":1.0,"room":"r","text":"1.0 is the integer 1"}',
  '{"type":"chat.send","id":1e3,"room":"r","text":"exponent"}',
  '{"type":"chat.send","id":-0,"room":"r","text":"minus zero"}',
  '  {"type":"chat.send","id":1,"room":"r","text":"whitespace around"}  \n',
  '{"type":"chat.send","id":1,"room":"r","text":"\\u0068\\u0069 escapes"}',
];

/** Frames zod decides (the fast path declines them): invalid, odd, or of a rarer shape. */
const unusual: string[] = [
  // Wrong types.
  frame({ id: 1.5 }),
  frame({ id: -1 }),
  frame({ id: Number.MAX_SAFE_INTEGER + 2 }),
  frame({ id: '' }),
  frame({ id: true }),
  frame({ id: null }),
  frame({ id: [1] }),
  frame({ id: { n: 1 } }),
  '{"type":"chat.send","id":1e400,"room":"r","text":"infinite id"}',
  frame({ room: 5 }),
  frame({ room: '' }),
  frame({ room: 'has space' }),
  frame({ room: 'ünicode' }),
  frame({ room: 'a'.repeat(65) }),
  frame({ room: null }),
  frame({ text: '' }),
  frame({ text: 5 }),
  frame({ text: null }),
  frame({ text: ['a'] }),
  frame({ nonce: '' }),
  frame({ nonce: 5 }),
  frame({ nonce: null }),
  frame({ nonce: 'n'.repeat(65) }),
  // Missing fields.
  without('id'),
  without('room'),
  without('text'),
  // Oversized, in code points and in UTF-16 units.
  frame({ text: 'x'.repeat(16_001) }),
  frame({ text: '😀'.repeat(16_000) }),
  frame({ text: '😀'.repeat(16_001) }),
  frame({ text: '😀'.repeat(8_000) + 'x'.repeat(8_001) }),
  frame({ text: '\ud800'.repeat(16_001) }),
  frame({ id: '😀'.repeat(64) }),
  frame({ id: '😀'.repeat(65) }),
  frame({ nonce: '😀'.repeat(40) }),
  frame({ nonce: '😀'.repeat(65) }),
  // Extra or rarer fields.
  frame({ extra: 1 }),
  frame({ extra: undefined, more: 'x' }),
  frame({ replyTo: 3 }),
  frame({ replyTo: 0 }),
  frame({ mentions: ['bob@example.org'] }),
  frame({ mentions: 'bob' }),
  frame({ file: 'f1' }),
  frame({ file: '' }),
  '{"type":"chat.send","id":1,"room":"r","text":"t","__proto__":{"polluted":true}}',
  '{"type":"chat.send","id":1,"room":"r","text":"t","constructor":1}',
  '{"type":"chat.send","id":1,"room":"r","text":"dup","text":"last wins"}',
  '{"type":"chat.send","id":1,"room":"r","text":"dup","text":""}',
  // Not a chat.send at all, or not JSON.
  frame({ type: 'chat.sent' }),
  frame({ type: 'CHAT.SEND' }),
  frame({ type: 5 }),
  '{"type":"chat.send"',
  '[{"type":"chat.send","id":1,"room":"r","text":"t"}]',
  'null',
  '"chat.send"',
  '',
  '{"type":"chat.edit","id":1,"room":"r","seq":1,"text":"t"}',
  '{"type":"ping","id":1}',
];

function parsed(f: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(f);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The same outcome: equal values, equal errors. */
function assertSame(f: string): void {
  const got = decodeClientMessage(f);
  const want = decodeClientMessageBySchema(f);
  assert.deepStrictEqual(got, want, `frame ${f.slice(0, 120)}`);
  const record = parsed(f);
  const fast = record ? fastChatSend(record) : null;
  if (fast !== null) {
    const zod = requestSchemas['chat.send'].safeParse(record);
    assert.ok(zod.success, `fast path took what zod refuses: ${f.slice(0, 120)}`);
    assert.deepStrictEqual(fast, zod.data);
    assert.deepStrictEqual(Object.keys(fast), Object.keys(zod.data), 'and in the same key order');
  }
}

test('the fast path takes the common chat.send, with the value zod gives', () => {
  assert.ok(common.length + unusual.length >= 30);
  for (const f of common) {
    const record = parsed(f);
    assert.ok(record && fastChatSend(record) !== null, `fast path declined ${f.slice(0, 120)}`);
    assertSame(f);
    assert.equal(decodeClientMessage(f).ok, true);
  }
});

test('anything else is decided by zod: the same refusals, codes and messages', () => {
  let refused = 0;
  for (const f of unusual) {
    assertSame(f);
    if (!decodeClientMessage(f).ok) refused++;
  }
  // Most of them are refusals; a few (extra fields, replyTo, mentions, file, __proto__) are not.
  assert.ok(refused >= 40, `${refused} refused`);
});

test('seeded mutations of common frames decode the same both ways', () => {
  let seed = 20;
  const rand = (n: number): number => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const values: unknown[] = [
    0,
    -1,
    1.5,
    2 ** 53,
    '',
    'x',
    'x'.repeat(65),
    '😀'.repeat(33),
    null,
    true,
    [],
    {},
    'a b',
    'r-1',
    '\ud800',
  ];
  const keys = ['type', 'id', 'room', 'text', 'nonce', 'replyTo', 'mentions', 'file', 'other'];
  let fast = 0;
  for (let i = 0; i < 3_000; i++) {
    const m: Record<string, unknown> = { ...base };
    for (let k = rand(3); k >= 0; k--) {
      const key = keys[rand(keys.length)] as string;
      if (rand(4) === 0) delete m[key];
      else m[key] = key === 'type' && rand(2) === 0 ? 'chat.send' : values[rand(values.length)];
    }
    const f = JSON.stringify(m);
    assertSame(f);
    const record = parsed(f);
    if (record && fastChatSend(record) !== null) fast++;
  }
  assert.ok(fast > 100, `the fast path was exercised (${fast} times)`);
});
