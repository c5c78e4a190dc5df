import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import type { ErrorCode } from '@presence/protocol';
import type { Connection, ConnectionSink } from '../../src/transport/connection.js';
import { FrameRun } from '../../src/transport/frame-run.js';
import { OutboundFrame } from '../../src/transport/outbound-frame.js';
import { TcpConnection } from '../../src/transport/tcp-connection.js';

/** A TcpConnection on a real loopback socket, and everything its client reads. */
async function pair(maxQueueBytes = 1 << 20): Promise<{
  conn: TcpConnection;
  received: () => string[];
  ended: Promise<unknown>;
  closes: (ErrorCode | null)[];
}> {
  const closes: (ErrorCode | null)[] = [];
  const sink: ConnectionSink = {
    onOpen: () => undefined,
    onFrame: () => undefined,
    onBinaryFrame: () => undefined,
    onClose: (_c: Connection, code) => closes.push(code),
  };
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
  const [socket] = (await once(server, 'connection')) as [Socket];
  server.close();
  let text = '';
  client.on('data', (d: Buffer) => (text += d.toString('utf8')));
  const ended = once(client, 'close');
  const conn = new TcpConnection(socket, { maxFrameBytes: 65_536, maxQueueBytes }, sink);
  return { conn, received: () => text.split('\n').filter((l) => l !== ''), ended, closes };
}

function runOf(...names: string[]): OutboundFrame[] {
  const run = new FrameRun();
  return names.map((n, i) => {
    const frame = OutboundFrame.of({ type: 'message', text: n }, i + 1);
    run.add(frame);
    return frame;
  });
}

const texts = (lines: string[]): string[] => lines.map((l) => (JSON.parse(l) as { text: string }).text);
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

test('a run coalesced per connection keeps the exact send order around other frames', async () => {
  const { conn, received } = await pair();
  const [a0, a1, a2, a3] = runOf('a0', 'a1', 'a2', 'a3');
  conn.send(a0 as OutboundFrame);
  conn.send(a1 as OutboundFrame);
  conn.send(OutboundFrame.of({ type: 'message', text: 'reply' }));
  conn.send(a2 as OutboundFrame);
  // Not consecutive (a3 skipped): a range of its own.
  conn.send(OutboundFrame.of({ type: 'message', text: 'other' }));
  conn.send(a3 as OutboundFrame);
  await tick();
  assert.deepEqual(texts(received()), ['a0', 'a1', 'reply', 'a2', 'other', 'a3']);
  conn.destroy();
});

test('recipients of the same range share one buffer; a late joiner gets its own range', () => {
  const frames = runOf('a', 'b', 'c');
  const run = frames[0]?.run as FrameRun;
  const all = run.bytes('tcp', 0, 3);
  assert.equal(run.bytes('tcp', 0, 3), all);
  assert.equal(all.toString(), frames.map((f) => `${f.json}\n`).join(''));
  assert.equal(run.bytes('tcp', 1, 3).toString(), `${frames[1]?.json}\n${frames[2]?.json}\n`);
  assert.equal(run.bytes('ws', 2, 3), frames[2]?.wsBytes());
  assert.throws(() => run.add(frames[0] as OutboundFrame), /one run/);
});

test('queued run bytes count towards the slow-consumer limit', async () => {
  const { conn, closes } = await pair(2_000);
  const frames = runOf(...Array.from({ length: 40 }, (_, i) => `${'x'.repeat(100)}${i}`));
  let accepted = 0;
  for (const f of frames) if (conn.send(f)) accepted++;
  assert.ok(accepted < frames.length && accepted > 0, `accepted ${accepted}`);
  assert.deepEqual(closes, ['SLOW_CONSUMER']);
  assert.equal(conn.closed, true);
  assert.equal(conn.send(frames[0] as OutboundFrame), false);
});

test('a close without an error frame still delivers the queued run first', async () => {
  const { conn, received, ended } = await pair();
  for (const f of runOf('a', 'b')) conn.send(f);
  conn.close(null);
  await ended;
  assert.deepEqual(texts(received()), ['a', 'b']);
});

test('a destroyed connection drops its queued run', async () => {
  const { conn, received, ended } = await pair();
  for (const f of runOf('a', 'b')) conn.send(f);
  conn.destroy();
  await ended;
  await tick();
  assert.deepEqual(received(), []);
});
