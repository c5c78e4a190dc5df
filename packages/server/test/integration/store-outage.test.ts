// test-needs: postgres
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startTestServer } from '../../../../test/harness.js';
import { createTestSchema, TEST_DATABASE_URL } from '../../../../test/postgres.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';
import { TcpProxy } from '../../../../test/tcp-proxy.js';

test('PostgreSQL goes away: STORE_UNAVAILABLE where it is needed, the rest works, and it recovers by itself', async () => {
  const { schema, drop } = await createTestSchema();
  const target = new URL(TEST_DATABASE_URL);
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  await proxy.start();
  const viaProxy = new URL(TEST_DATABASE_URL);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  const srv = await startTestServer({ databaseUrl: viaProxy.toString(), databaseSchema: schema });
  try {
    const a = await RawClient.ws(srv.wsUrl);
    await a.hello('Ann');
    const b = await RawClient.tcp(srv.tcp.port);
    await b.hello('Bob');
    const named = ((await a.ok('room.create', { name: 'Needs the DB' }))['room'] as Json)['id'] as string;
    const ephemeral = ((await a.ok('room.create'))['room'] as Json)['id'] as string;
    await b.ok('room.join', { room: ephemeral });
    await a.ok('chat.send', { room: named, text: 'before the outage' });

    await proxy.cut();
    const failed = await a.request('chat.send', { room: named, text: 'during the outage' });
    assert.equal(failed['type'], 'error');
    assert.equal(failed['code'], 'STORE_UNAVAILABLE');
    const health = await fetch(`${srv.httpUrl}/healthz`);
    assert.equal(health.status, 503);
    assert.equal(((await health.json()) as Json)['store'], 'unavailable');
    // Everything that does not need the store keeps working.
    await a.ok('chat.send', { room: ephemeral, text: 'ephemeral still works' });
    assert.equal((await b.event('message'))['text'], 'ephemeral still works');
    const c = await RawClient.ws(srv.wsUrl);
    await c.hello('Newcomer');
    await c.ok('room.join', { room: ephemeral });
    const dir = await c.request('rooms.directory', {});
    assert.equal(dir['code'], 'STORE_UNAVAILABLE');
    assert.ok(!a.closed && !b.closed && !c.closed);

    await proxy.restore();
    let resumed: Json | undefined;
    for (let i = 0; i < 50 && resumed?.['type'] !== 'ok'; i++) {
      resumed = await a.request('chat.send', { room: named, text: 'after the outage', nonce: 'after-1' });
      if (resumed['type'] !== 'ok') await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(resumed?.['type'], 'ok', 'service resumed by itself');
    assert.equal((await fetch(`${srv.httpUrl}/healthz`)).status, 200);
    const history = await a.ok('room.history', { room: named, after: 0 });
    const texts = (history['events'] as Json[]).filter((e) => e['type'] === 'message').map((e) => e['text']);
    assert.deepEqual(texts, ['before the outage', 'after the outage']);
    const seqs = (history['events'] as Json[]).map((e) => e['seq'] as number);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => i + 1),
      'the failed write left no hole',
    );
    for (const x of [a, b, c]) x.close();
  } finally {
    await srv.close();
    await proxy.cut();
    await drop();
  }
});
