import assert from 'node:assert/strict';
import { test } from 'node:test';
import WebSocket from 'ws';
import { startTestServer } from '../../../../test/harness.js';

/** Open a WebSocket as if through a proxy that forwarded `forwardedFor`; resolves with how it ended. */
function connect(
  url: string,
  forwardedFor: string,
): Promise<{ ws: WebSocket; refused: Promise<number | null> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers: { 'x-forwarded-for': `203.0.113.9, ${forwardedFor}` } });
    const refused = new Promise<number | null>((done) => {
      ws.once('close', (code) => done(code));
      setTimeout(() => done(null), 500).unref();
    });
    ws.once('open', () => resolve({ ws, refused }));
    ws.once('error', reject);
  });
}

test('trustProxy: per-address limits count the forwarded client address, not the proxy', async () => {
  const trusting = await startTestServer({ trustProxy: true, maxConnectionsPerIp: 1 });
  const plain = await startTestServer({ maxConnectionsPerIp: 1 });
  const open: WebSocket[] = [];
  try {
    // Behind the proxy: two clients, two addresses, both admitted; a second from one is refused.
    const a = await connect(trusting.wsUrl, '10.0.0.1');
    const b = await connect(trusting.wsUrl, '10.0.0.2');
    const a2 = await connect(trusting.wsUrl, '10.0.0.1');
    open.push(a.ws, b.ws, a2.ws);
    assert.equal(await a.refused, null);
    assert.equal(await b.refused, null);
    assert.equal(await a2.refused, 4429, 'TOO_MANY_CONNECTIONS for the same forwarded address');
    // Without trustProxy the header means nothing: every connection is the proxy's address.
    const c = await connect(plain.wsUrl, '10.0.0.3');
    const d = await connect(plain.wsUrl, '10.0.0.4');
    open.push(c.ws, d.ws);
    assert.equal(await c.refused, null);
    assert.equal(await d.refused, 4429);
  } finally {
    for (const ws of open) ws.terminate();
    await trusting.close();
    await plain.close();
  }
});
