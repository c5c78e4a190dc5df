import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import WebSocket from 'ws';
import { startTestServer } from '../../../../test/harness.js';

/**
 * Half-open HTTP connections (issue 11, item 12): a partial upgrade request counts against the
 * per-address limit from accept, and is closed once its headers are overdue.
 */

const PARTIAL_UPGRADE = 'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n';

async function partial(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(PARTIAL_UPGRADE);
  socket.on('error', () => undefined);
  socket.resume();
  return socket;
}

/** Whether a WebSocket is served (it gets an answer to a frame) rather than refused (closed). */
function served(url: string): Promise<boolean> {
  const ws = new WebSocket(url);
  ws.on('error', () => undefined);
  return new Promise<boolean>((resolve) => {
    ws.once('open', () => ws.send('{"type":"ping","id":1}'));
    ws.once('message', () => resolve(true));
    ws.once('close', () => resolve(false));
  }).finally(() => ws.terminate());
}

test(
  'partial upgrade requests count against the per-address limit from accept',
  { timeout: 20_000 },
  async () => {
    const srv = await startTestServer({ maxConnectionsPerIp: 3 });
    const port = Number(new URL(srv.httpUrl).port);
    const held = [await partial(port), await partial(port), await partial(port)];
    try {
      const refused = new WebSocket(srv.wsUrl);
      refused.on('error', () => undefined);
      const [code, reason] = (await once(refused, 'close')) as [number, Buffer];
      assert.equal(code, 4429);
      assert.equal(reason.toString(), 'TOO_MANY_CONNECTIONS');
      // A plain HTTP request over the limit is told so too.
      const res = await fetch(`${srv.httpUrl}/healthz`).catch((err: unknown) => err);
      assert.ok(res instanceof Response, String(res));
      {
        assert.equal(res.status, 429);
        assert.equal(((await res.json()) as { code: string }).code, 'TOO_MANY_CONNECTIONS');
      }
      // Once the half-open sockets go, the address is served again.
      for (const s of held) s.destroy();
      while (!(await served(srv.wsUrl))) await new Promise((r) => setTimeout(r, 20));
    } finally {
      for (const s of held) s.destroy();
      await srv.close();
    }
  },
);

test(
  'a request whose headers never end is closed after httpHeadersTimeoutMs',
  { timeout: 20_000 },
  async () => {
    const srv = await startTestServer({ httpHeadersTimeoutMs: 400 });
    try {
      const socket = await partial(Number(new URL(srv.httpUrl).port));
      const started = Date.now();
      await once(socket, 'close');
      const took = Date.now() - started;
      assert.ok(took < 5_000, `closed after ${took} ms`);
    } finally {
      await srv.close();
    }
  },
);
