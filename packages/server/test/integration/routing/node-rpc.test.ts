// test-needs: redis
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { PresenceError } from '@presence/protocol';
import { NodeRpc } from '../../../src/routing/node-rpc.js';

const REDIS_URL = process.env['PRESENCE_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

test('a typed error thrown on the home node reaches the caller with its details (retryAfterMs, reason)', async () => {
  const prefix = `presence-rpc:${randomBytes(4).toString('hex')}:`;
  const unexpected: unknown[] = [];
  const node = (instanceId: string, handle: (op: string) => Promise<unknown>): NodeRpc =>
    new NodeRpc({
      redisUrl: REDIS_URL,
      prefix,
      instanceId,
      timeoutMs: 5_000,
      handle,
      onError: (err) => unexpected.push(err),
    });
  const home = node('home', async (op) => {
    if (op === 'limited') throw new PresenceError('RATE_LIMITED', 'Slow down.', { retryAfterMs: 1234 });
    if (op === 'bad-invite') throw new PresenceError('INVITE_INVALID', 'No.', { reason: 'expired' });
    return { ok: op };
  });
  const caller = node('caller', () => Promise.reject(new Error('not used')));
  try {
    await Promise.all([home.start(), caller.start()]);
    assert.deepEqual(await caller.call('home', 'plain', []), { ok: 'plain' });
    await assert.rejects(caller.call('home', 'limited', []), (err: unknown) => {
      assert.ok(err instanceof PresenceError);
      assert.equal(err.code, 'RATE_LIMITED');
      assert.deepEqual(err.details, { retryAfterMs: 1234 });
      return true;
    });
    await assert.rejects(caller.call('home', 'bad-invite', []), (err: unknown) => {
      assert.ok(err instanceof PresenceError);
      assert.deepEqual([err.code, err.details], ['INVITE_INVALID', { reason: 'expired' }]);
      return true;
    });
    assert.deepEqual(unexpected, []);
  } finally {
    await Promise.all([home.close(), caller.close()]);
  }
});
