import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_PARAMS, dummyHash, hashPassword, verifyPassword } from '../../src/identity/passwords.js';

test('hashes are self-describing, salted, and verify only the right password', async () => {
  const a = await hashPassword('correct horse');
  const b = await hashPassword('correct horse');
  const { N, r, p } = DEFAULT_PARAMS;
  assert.match(a, new RegExp(`^scrypt\\$${N}\\$${r}\\$${p}\\$[A-Za-z0-9_-]+\\$[A-Za-z0-9_-]+$`));
  assert.notEqual(a, b, 'a fresh salt each time');
  assert.equal(await verifyPassword('correct horse', a), true);
  assert.equal(await verifyPassword('correct horse', b), true);
  assert.equal(await verifyPassword('correct horsE', a), false);
  assert.equal(await verifyPassword('', a), false);
});

test('old parameters keep verifying; malformed or absurd hashes never match', async () => {
  const cheap = await hashPassword('pw', { N: 1024, r: 8, p: 1 });
  assert.equal(await verifyPassword('pw', cheap), true);
  const [, , , , salt, key] = cheap.split('$');
  for (const bad of [
    '',
    'bcrypt$1$2$3$4$5',
    `scrypt$1000$8$1$${salt}$${key}`, // N not a power of two
    `scrypt$${2 ** 30}$8$1$${salt}$${key}`, // would allocate far too much
    `scrypt$1024$8$1$$${key}`,
    `scrypt$1024$8$1$${salt}$`,
    `scrypt$1024$8$1$${salt}`,
  ]) {
    assert.equal(await verifyPassword('pw', bad), false, bad);
  }
});

test('unicode passwords are normalised (NFC) before hashing', async () => {
  const composed = 'caf\u00e9 au lait';
  const decomposed = 'cafe\u0301 au lait';
  assert.equal(await verifyPassword(decomposed, await hashPassword(composed)), true);
});

test('one hash takes tens of milliseconds; the dummy hash costs the same work', async () => {
  const hash = await hashPassword('timing');
  const dummy = await dummyHash();
  assert.equal(await dummyHash(), dummy, 'made once');
  // Same parameters, so verifying an unknown user's login costs what a known user's does.
  const params = (h: string): string => h.split('$').slice(0, 4).join('$');
  assert.equal(params(dummy), params(hash));
  const t = performance.now();
  await verifyPassword('timing', hash);
  const ms = performance.now() - t;
  assert.ok(ms > 10, `${ms} ms`);
});
