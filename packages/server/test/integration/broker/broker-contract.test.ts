// test-needs: redis
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { Redis } from 'ioredis';
import type { Broker, BrokerMessage } from '../../../src/broker/broker.js';
import { InProcessBroker } from '../../../src/broker/in-process-broker.js';
import { RedisBroker } from '../../../src/broker/redis-broker.js';

const REDIS_URL = process.env['PRESENCE_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

/** Redis delivers asynchronously: wait until `check` holds (or fail after a second). */
async function eventually(check: () => boolean): Promise<void> {
  const until = Date.now() + 1_000;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met within 1 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Subscriptions take a round trip on Redis; give them one before publishing. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

const brokers: Record<string, () => Promise<{ broker: Broker; cleanup(): Promise<void> }>> = {
  'in-process': async () => {
    const broker = new InProcessBroker({ windowSize: 5 });
    return { broker, cleanup: () => broker.close() };
  },
  redis: () => redisBroker(0),
  // As clusters run it: room events handed over in batches; the contract (order included) holds.
  'redis, batched': () => redisBroker(2),
};

async function redisBroker(batchMs: number): Promise<{ broker: Broker; cleanup(): Promise<void> }> {
  const prefix = `presence-test:${randomBytes(4).toString('hex')}:`;
  const probe = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await probe.connect();
  } catch (err) {
    throw new Error(
      `Redis is required at ${REDIS_URL} (${(err as Error).message}); set PRESENCE_TEST_REDIS_URL.`,
    );
  }
  const broker = new RedisBroker({ url: REDIS_URL, prefix, windowSize: 5, batchMs });
  return {
    broker,
    async cleanup() {
      await broker.close();
      const keys = await probe.keys(`${prefix}*`);
      if (keys.length > 0) await probe.del(...keys);
      await probe.quit();
    },
  };
}

const msg = (room: string, seq: number | null): BrokerMessage => ({
  room,
  seq,
  json: `{"n":${seq ?? 'null'}}`,
});

for (const [name, make] of Object.entries(brokers)) {
  describe(`broker contract: ${name}`, () => {
    test('publish reaches every subscriber of the room, in order; unsubscribe stops it', async () => {
      const { broker, cleanup } = await make();
      try {
        const a: BrokerMessage[] = [];
        const b: BrokerMessage[] = [];
        const offA = broker.subscribe('r1', (m) => a.push(m));
        broker.subscribe('r1', (m) => b.push(m));
        const other: BrokerMessage[] = [];
        broker.subscribe('r2', (m) => other.push(m));
        await settle();
        for (let i = 1; i <= 3; i++) await broker.publish(msg('r1', i), 'e1');
        await broker.publish(msg('r1', null));
        await eventually(() => a.length === 4 && b.length === 4);
        assert.deepEqual(
          a.map((m) => m.seq),
          [1, 2, 3, null],
        );
        assert.deepEqual(a[0], { room: 'r1', seq: 1, json: '{"n":1}' });
        offA();
        await broker.publish(msg('r1', 4), 'e1');
        await eventually(() => b.length === 5);
        assert.equal(a.length, 4, 'the message b got was not handed to a');
        // Had r1's messages leaked to r2, they would be there before this one, published last.
        await broker.publish(msg('r2', null));
        await eventually(() => other.length > 0);
        assert.deepEqual(other, [{ room: 'r2', seq: null, json: '{"n":null}' }]);
      } finally {
        await cleanup();
      }
    });

    test('the recent window: since, latest, capacity, epochs, gaps, reset and drop', async () => {
      const { broker, cleanup } = await make();
      try {
        assert.equal(await broker.since('w', 'e1', 0), null, 'an unknown room cannot vouch');
        for (let i = 1; i <= 3; i++) await broker.publish(msg('w', i), 'e1');
        await broker.publish(msg('w', null));
        assert.deepEqual(
          (await broker.since('w', 'e1', 0))?.map((e) => e.seq),
          [1, 2, 3],
        );
        assert.deepEqual(
          (await broker.since('w', 'e1', 2))?.map((e) => e.seq),
          [3],
        );
        assert.deepEqual(await broker.since('w', 'e1', 3), []);
        assert.equal(await broker.since('w', 'e1', 4), null, 'a position beyond the log');
        assert.equal(await broker.since('w', 'other', 1), null, 'another epoch');
        for (let i = 4; i <= 8; i++) await broker.publish(msg('w', i), 'e1');
        assert.equal(await broker.since('w', 'e1', 2), null, 'evicted past the capacity of 5');
        assert.deepEqual(
          (await broker.since('w', 'e1', 3))?.map((e) => e.seq),
          [4, 5, 6, 7, 8],
        );
        assert.deepEqual(
          (await broker.latest('w', 2)).map((e) => e.seq),
          [7, 8],
        );
        assert.deepEqual(
          (await broker.latest('w', Number.MAX_SAFE_INTEGER)).map((e) => e.seq),
          [4, 5, 6, 7, 8],
        );
        await broker.publish(msg('w', 20), 'e1');
        assert.equal(await broker.since('w', 'e1', 8), null, 'a jump in seq voids older positions');
        assert.deepEqual(
          (await broker.since('w', 'e1', 19))?.map((e) => e.seq),
          [20],
        );
        await broker.resetWindow('w', 'e2', 100);
        assert.deepEqual(await broker.since('w', 'e2', 100), []);
        assert.equal(await broker.since('w', 'e1', 19), null);
        await broker.publish(msg('w', 101), 'e2');
        assert.deepEqual(
          (await broker.since('w', 'e2', 100))?.map((e) => e.seq),
          [101],
        );
        await broker.dropRoom('w');
        assert.equal(await broker.since('w', 'e2', 100), null);
        assert.deepEqual(await broker.latest('w', 5), []);
      } finally {
        await cleanup();
      }
    });

    test('directed messages reach exactly one session', async () => {
      const { broker, cleanup } = await make();
      try {
        const s1: string[] = [];
        const s2: string[] = [];
        const off1 = broker.subscribeDirect('s1', (j) => s1.push(j));
        broker.subscribeDirect('s2', (j) => s2.push(j));
        await settle();
        // The count of listening nodes is what tells a sender whether anyone is there (DMs).
        assert.equal(await broker.sendDirect('s1', 'hello s1'), 1);
        assert.equal(await broker.sendDirect('nobody', 'dropped'), 0);
        await eventually(() => s1.length === 1);
        // A later message for s2 is the first s2 gets: 'hello s1' did not reach it.
        assert.equal(await broker.sendDirect('s2', 'hello s2'), 1);
        await eventually(() => s2.length > 0);
        assert.deepEqual(s2, ['hello s2']);
        off1();
        await settle();
        assert.equal(await broker.sendDirect('s1', 'after unsubscribe'), 0);
        assert.equal(await broker.sendDirect('s2', 'after that'), 1);
        await eventually(() => s2.length > 1);
        assert.deepEqual(s1, ['hello s1']);
      } finally {
        await cleanup();
      }
    });
  });
}
