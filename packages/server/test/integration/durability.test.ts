// test-needs: postgres
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createTestSchema, TEST_DATABASE_URL } from '../../../../test/postgres.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';
import { spawnServer } from '../../../../test/server-process.js';

/**
 * Acknowledged means durable: writers hammer a named room, the server is SIGKILLed mid-stream, and
 * after a restart every acknowledged message is in the history exactly once, in acknowledgement
 * order per writer and in seq order overall.
 */
async function killDuringWrites(flags: string[]): Promise<void> {
  const common = ['--rate-limit-per-second', '100000', '--rate-limit-burst', '100000', ...flags];
  let server = await spawnServer(common);
  const owner = await RawClient.tcp(server.tcpPort);
  await owner.hello('Owner');
  const room = ((await owner.ok('room.create', { name: 'Durable' }))['room'] as Json)['id'] as string;

  const writers = await Promise.all(
    [0, 1, 2].map(async (w) => {
      const c = w === 0 ? owner : await RawClient.tcp(server.tcpPort);
      if (w !== 0) {
        await c.hello(`W${w}`);
        await c.ok('room.join', { room });
      }
      return c;
    }),
  );
  const acked: { writer: number; text: string; seq: number }[] = [];
  let attempted = 0;
  const loops = writers.map(async (c, w) => {
    for (let i = 0; ; i++) {
      const text = `w${w}-${i}`;
      attempted++;
      let reply: Json;
      try {
        reply = await c.request('chat.send', { room, text }).then(
          (r) => r,
          () => ({}) as Json,
        );
      } catch {
        return;
      }
      if (reply['type'] !== 'ok') return;
      acked.push({ writer: w, text, seq: (reply['result'] as Json)['seq'] as number });
    }
  });
  // Kill mid-stream once enough has been acknowledged (a loaded machine is slower, not wrong).
  const deadline = Date.now() + 15_000;
  while (acked.length < 50 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  server.child.kill('SIGKILL');
  assert.equal(await server.exited, 'SIGKILL');
  for (const c of writers) c.close();
  await Promise.all(loops);
  assert.ok(acked.length > 20, `only ${acked.length} messages were acknowledged before the kill`);

  server = await spawnServer(common);
  try {
    const reader = await RawClient.tcp(server.tcpPort);
    await reader.hello('Reader');
    await reader.ok('room.join', { room });
    const history: Json[] = [];
    let after = 0;
    for (;;) {
      const page = await reader.ok('room.history', { room, after, limit: 100 });
      const events = page['events'] as Json[];
      history.push(...events);
      if (!page['more']) break;
      after = events.at(-1)!['seq'] as number;
    }
    const seqs = history.map((e) => e['seq'] as number);
    assert.deepEqual(
      seqs,
      Array.from({ length: seqs.length }, (_, i) => i + 1),
      'the log has no holes',
    );
    const texts = history.filter((e) => e['type'] === 'message').map((e) => e['text'] as string);
    assert.equal(new Set(texts).size, texts.length, 'no message is stored twice');
    const bySeq = new Map(history.map((e) => [e['seq'] as number, e['text']]));
    for (const a of acked)
      assert.equal(bySeq.get(a.seq), a.text, `acknowledged ${a.text}@${a.seq} is in history`);
    reader.close();
    console.log(
      `durability: ${acked.length} acknowledged of ${attempted} attempted; ${texts.length} stored after SIGKILL`,
    );
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

test('SIGKILL loses nothing acknowledged (SQLite)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'presence-kill-'));
  try {
    await killDuringWrites(['--data-dir', dataDir]);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('SIGKILL loses nothing acknowledged (PostgreSQL)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'presence-kill-'));
  const { schema, drop } = await createTestSchema();
  try {
    await killDuringWrites([
      '--data-dir',
      dataDir,
      '--database-url',
      TEST_DATABASE_URL,
      '--database-schema',
      schema,
    ]);
  } finally {
    await drop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
