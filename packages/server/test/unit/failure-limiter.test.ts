import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailureLimiter } from '../../src/identity/failure-limiter.js';

test('a key is refused after max failures until its window ends; forgive and reset take failures back', () => {
  let now = 1_000;
  const limiter = new FailureLimiter({ max: 3, windowMs: 100 }, { now: () => now });
  for (let i = 0; i < 3; i++) {
    assert.equal(limiter.retryAfterMs('a'), 0);
    limiter.fail('a');
  }
  assert.equal(limiter.retryAfterMs('a'), 100);
  now += 40;
  assert.equal(limiter.retryAfterMs('a'), 60);
  assert.equal(limiter.retryAfterMs('b'), 0, 'keys are independent');
  limiter.forgive('a');
  assert.equal(limiter.retryAfterMs('a'), 0);
  limiter.fail('a');
  now += 60;
  assert.equal(limiter.retryAfterMs('a'), 0, 'the window is over');
  for (let i = 0; i < 3; i++) limiter.fail('c');
  limiter.reset('c');
  assert.equal(limiter.retryAfterMs('c'), 0);
});

test('memory is bounded: past maxKeys the oldest entries go', () => {
  const limiter = new FailureLimiter({ max: 1, windowMs: 60_000 }, { maxKeys: 10 });
  limiter.fail('first');
  assert.ok(limiter.retryAfterMs('first') > 0);
  for (let i = 0; i < 100; i++) limiter.fail(`k${i}`);
  assert.equal(limiter.retryAfterMs('first'), 0, 'evicted');
  assert.ok(limiter.retryAfterMs('k99') > 0, 'the newest are kept');
});
