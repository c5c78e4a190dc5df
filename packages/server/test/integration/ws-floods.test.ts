import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { startTestServer } from '../../../../test/harness.js';
import { RawClient } from '../../../../test/raw-client.js';

/**
 * WebSocket binary frames (issue 11, item 11) meet the same rate limit as text, a flood of them
 * is closed, and a client that keeps sending without reading is cut off instead of being read at
 * full speed. (Ping floods from a non-reader are terminated by ws itself: maxPendingAutoPongs.)
 */

/** A client frame (RFC 6455 §5.2), masked with a zero key: the payload goes as it is. */
function clientFrame(opcode: number, payload: Buffer): Buffer {
  const n = payload.length;
  const header =
    n < 126
      ? Buffer.from([0x80 | opcode, 0x80 | n])
      : Buffer.from([0x80 | opcode, 0x80 | 126, n >> 8, n & 0xff]);
  return Buffer.concat([header, Buffer.alloc(4), payload]);
}

/** A raw socket that completed the WebSocket handshake and then stops reading. */
async function nonReader(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(
    'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  const [first] = (await once(socket, 'data')) as [Buffer];
  assert.match(first.toString('latin1'), /^HTTP\/1\.1 101/);
  socket.pause();
  return socket;
}

/**
 * Write `frame` until the server cuts the socket off or `maxBytes` went out. Resolves with the
 * bytes written and whether the server ended it.
 */
async function writeUntilCut(
  socket: Socket,
  frame: Buffer,
  maxBytes: number,
): Promise<{ sent: number; cut: boolean }> {
  let cut = false;
  const ended = new Promise<void>((resolve) => {
    socket.once('close', () => resolve());
    socket.once('error', () => resolve());
  }).then(() => {
    cut = true;
  });
  let sent = 0;
  while (!cut && sent < maxBytes) {
    sent += frame.length;
    if (!socket.write(frame)) await Promise.race([once(socket, 'drain'), ended]);
  }
  socket.destroy();
  return { sent, cut };
}

test(
  'ws: a binary flood is rate limited and then closed, as a text flood is',
  { timeout: 20_000 },
  async () => {
    const srv = await startTestServer({ rateLimitBurst: 10, rateLimitPerSecond: 5, rateLimitCloseAfter: 50 });
    try {
      const ws = new WebSocket(srv.wsUrl);
      await once(ws, 'open');
      const codes: string[] = [];
      ws.on('message', (data) => codes.push(String((JSON.parse(String(data)) as { code?: string }).code)));
      const closed = once(ws, 'close') as Promise<[number, Buffer]>;
      for (let i = 0; i < 5_000 && ws.readyState === WebSocket.OPEN; i++) ws.send(Buffer.from([1, 2, 3]));
      const [status, reason] = await closed;
      assert.equal(status, 4429);
      assert.equal(reason.toString(), 'RATE_LIMITED');
      assert.ok(codes.includes('RATE_LIMITED'), 'beyond it the client is told to slow down');
      // Others are served meanwhile.
      const other = await RawClient.ws(srv.wsUrl);
      await other.hello('Polite');
      await other.ok('ping');
      other.close();
    } finally {
      await srv.close();
    }
  },
);

test('ws: a client sending large binary frames without reading is cut off', { timeout: 20_000 }, async () => {
  const srv = await startTestServer();
  try {
    const socket = await nonReader(Number(new URL(srv.httpUrl).port));
    const { sent, cut } = await writeUntilCut(socket, clientFrame(0x2, Buffer.alloc(60_000, 7)), 300_000_000);
    assert.ok(cut, `still connected after ${sent} bytes`);
    assert.ok(sent < 100_000_000, `${sent} bytes accepted before the cut`);
  } finally {
    await srv.close();
  }
});
