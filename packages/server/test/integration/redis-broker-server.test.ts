// test-needs: postgres redis
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { startTestServer } from '../../../../test/harness.js';
import { createTestSchema, TEST_DATABASE_URL } from '../../../../test/postgres.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

const REDIS_URL = process.env['PRESENCE_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

test('one server on the Redis broker and PostgreSQL: chat, then recovery from the window kept in Redis', async () => {
  const prefix = `presence-it:${randomBytes(4).toString('hex')}:`;
  const schema = await createTestSchema('presence_rb');
  const srv = await startTestServer({
    redisUrl: REDIS_URL,
    redisPrefix: prefix,
    databaseUrl: TEST_DATABASE_URL,
    databaseSchema: schema.schema,
    sessionGraceMs: 5_000,
  });
  const redis = new Redis(REDIS_URL);
  try {
    const health = (await (await fetch(`${srv.httpUrl}/healthz`)).json()) as {
      broker: string;
      storeKind: string;
    };
    assert.deepEqual([health.broker, health.storeKind], ['ok', 'postgres']);
    const a = await RawClient.ws(srv.wsUrl);
    const welcome = await a.hello('Ann');
    const b = await RawClient.tcp(srv.tcp.port);
    await b.hello('Bob');
    const created = await a.ok('room.create');
    const room = (created['room'] as Json)['id'] as string;
    const epoch = (created['room'] as Json)['epoch'] as string;
    await b.ok('room.join', { room });
    const sent = await a.ok('chat.send', { room, text: 'through redis' });
    assert.equal((await b.event('message'))['text'], 'through redis');
    await a.event('message');
    a.close();
    for (let i = 0; i < 3; i++) await b.ok('chat.send', { room, text: `missed ${i}` });
    assert.ok((await redis.keys(`${prefix}win:${room}:*`)).length > 0, 'the window lives in Redis');
    const a2 = await RawClient.tcp(srv.tcp.port);
    const w = await a2.hello('Ann', { token: welcome['token'], rooms: [{ room, epoch, seq: sent['seq'] }] });
    assert.equal((w['rooms'] as Json[])[0]!['recovered'], true);
    for (let i = 0; i < 3; i++) assert.equal((await a2.event('message'))['text'], `missed ${i}`);
    a2.close();
    b.close();
  } finally {
    await srv.close();
    await schema.drop();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  }
});

test('a cluster node refuses to start on SQLite: every node would keep its own data', async () => {
  await assert.rejects(
    startTestServer({ redisUrl: REDIS_URL, redisPrefix: `presence-it:${randomBytes(4).toString('hex')}:` }),
    /needs a shared PostgreSQL store/,
  );
});
