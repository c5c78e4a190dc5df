import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient } from '../../../../test/raw-client.js';

let srv: TestServer;
before(async () => {
  srv = await startTestServer();
});
after(async () => {
  await srv.close();
});

test('/healthz reports status, store and connection counts', async () => {
  const c = await RawClient.tcp(srv.tcp.port);
  await c.hello('Probe');
  const res = await fetch(`${srv.httpUrl}/healthz`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { status: string; storeKind: string; connections: { tcp: number } };
  assert.equal(body.status, 'ok');
  assert.equal(body.storeKind, 'sqlite');
  assert.equal(body.connections.tcp, 1);
  c.close();
});

test('/metrics exposes connections by transport, rooms, messages and errors by code', async () => {
  const ws = await RawClient.ws(srv.wsUrl);
  await ws.hello('Metered');
  await ws.ok('room.create');
  ws.sendRaw('garbage');
  await ws.next((m) => m['code'] === 'PROTOCOL_ERROR');
  const text = await (await fetch(`${srv.httpUrl}/metrics`)).text();
  assert.match(text, /presence_connections\{transport="ws"\} 1/);
  assert.match(text, /presence_rooms\{kind="ephemeral"\} 1/);
  assert.match(text, /presence_messages_in_total\{type="room.create"\} 1/);
  assert.match(text, /presence_messages_out_total \d+/);
  assert.match(text, /presence_errors_total\{code="PROTOCOL_ERROR"\} 1/);
  ws.close();
});

test('avatars: deterministic PNG and SVG per user id, cacheable with ETag', async () => {
  const url = `${srv.httpUrl}/avatars/${encodeURIComponent('~abc@localhost')}`;
  const png1 = await fetch(`${url}.png`);
  assert.equal(png1.status, 200);
  assert.equal(png1.headers.get('content-type'), 'image/png');
  const bytes1 = Buffer.from(await png1.arrayBuffer());
  const bytes2 = Buffer.from(await (await fetch(`${url}.png`)).arrayBuffer());
  assert.deepEqual(bytes1, bytes2);
  assert.equal(bytes1.subarray(1, 4).toString(), 'PNG');
  const etag = png1.headers.get('etag');
  assert.ok(etag);
  const cached = await fetch(`${url}.png`, { headers: { 'if-none-match': etag } });
  assert.equal(cached.status, 304);
  const svg = await fetch(`${url}.svg`);
  assert.equal(svg.headers.get('content-type'), 'image/svg+xml');
  assert.match(await svg.text(), /^<svg/);
  const other = await fetch(`${srv.httpUrl}/avatars/${encodeURIComponent('~xyz@localhost')}.png`);
  assert.notDeepEqual(Buffer.from(await other.arrayBuffer()), bytes1);
  assert.equal((await fetch(`${srv.httpUrl}/avatars/nothing.gif`)).status, 404);
});

test('the web app is served at / and for room links', async () => {
  const root = await fetch(`${srv.httpUrl}/`);
  assert.equal(root.status, 200);
  assert.match(await root.text(), /<div id="app"|<title>/i);
  const link = await fetch(`${srv.httpUrl}/r/someroomid`);
  assert.equal(link.status, 200);
  assert.match(link.headers.get('content-type') ?? '', /text\/html/);
  assert.equal((await fetch(`${srv.httpUrl}/api/nothing`)).status, 404);
});

test('WebSocket upgrades on other paths are refused', async () => {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(srv.wsUrl.replace('/ws', '/other'));
  const err = await new Promise<Error>((resolve) => ws.once('error', resolve));
  assert.match(err.message, /404/);
});

test('the room preview shows link and public rooms, and nothing of a private one', async () => {
  const c = await RawClient.tcp(srv.tcp.port);
  await c.hello('Owner');
  const room = ((await c.ok('room.create', { topic: 'secret plans' }))['room'] as Record<string, unknown>)[
    'id'
  ] as string;
  const open = await fetch(`${srv.httpUrl}/api/rooms/${room}`);
  assert.equal(open.status, 200);
  assert.equal(((await open.json()) as { room: { topic: string } }).room.topic, 'secret plans');
  await c.ok('room.update', { room, visibility: 'private' });
  const closed = await fetch(`${srv.httpUrl}/api/rooms/${room}`);
  const none = await fetch(`${srv.httpUrl}/api/rooms/nosuchroomatall0`);
  // Indistinguishable from a room that does not exist: status, headers that matter, and body.
  assert.equal(closed.status, 404);
  assert.equal(none.status, 404);
  const body = await closed.text();
  assert.ok(!body.includes('secret plans'));
  assert.equal(body, await none.text());
  assert.equal(closed.headers.get('content-length'), none.headers.get('content-length'));
  c.close();
});
