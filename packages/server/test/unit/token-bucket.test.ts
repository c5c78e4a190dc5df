import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenBucket } from '../../src/gateway/token-bucket.js';

/** The per-connection rate limit on a clock the test moves (every method takes `now`). */

const T0 = 1_700_000_000_000;

test('a full bucket allows `burst` requests at once, then refuses', () => {
  const bucket = new TokenBucket(10, 3, T0);
  assert.deepEqual(
    [1, 2, 3, 4].map(() => bucket.take(T0)),
    [true, true, true, false],
  );
});

test('tokens come back at perSecond, never beyond burst', () => {
  const bucket = new TokenBucket(10, 3, T0); // one token per 100 ms
  for (let i = 0; i < 3; i++) bucket.take(T0);
  assert.equal(bucket.take(T0 + 99), false, 'not yet a whole token');
  assert.equal(bucket.take(T0 + 100), true, 'one token after 100 ms');
  assert.equal(bucket.take(T0 + 100), false);
  // A long quiet spell refills to burst, not to 10 s × 10/s.
  const later = T0 + 10_000;
  assert.deepEqual(
    [1, 2, 3, 4].map(() => bucket.take(later)),
    [true, true, true, false],
  );
});

test('retryAfterMs says when the next token is there', () => {
  const bucket = new TokenBucket(4, 1, T0); // one token per 250 ms
  assert.equal(bucket.take(T0), true);
  assert.equal(bucket.take(T0), false);
  assert.equal(bucket.retryAfterMs(), 250);
  assert.equal(bucket.take(T0 + 100), false);
  assert.equal(bucket.retryAfterMs(), 150, 'what was refilled meanwhile counts');
  assert.equal(bucket.take(T0 + 250), true);
});

test('rejections are counted over the last 10 s only', () => {
  const bucket = new TokenBucket(1, 1, T0);
  assert.equal(bucket.reject(T0), 1);
  assert.equal(bucket.reject(T0 + 5_000), 2);
  assert.equal(bucket.reject(T0 + 10_000), 3, 'one exactly 10 s old still counts');
  assert.equal(bucket.reject(T0 + 10_001), 3, 'the first has fallen out');
  assert.equal(bucket.reject(T0 + 30_000), 1, 'a burst long ago is forgotten');
});
