import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { RoomEvent } from '@presence/protocol';
import { PresenceClient, tcpTransport, wsTransport, type TransportFactory } from '../../src/node.js';
import { closedPort, serveTcp, serveWs } from '../support/bridges.js';
import { FakeServer, until } from '../support/fake-server.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('tcp: messages split mid-character and packed several per chunk are framed correctly', async (t) => {
  const text = 'héllo € 😀 中文';
  const welcome = {
    type: 'welcome',
    id: 1,
    v: 1,
    sessionId: 's1',
    userId: '~g@test',
    name: 'g',
    avatar: '',
    token: 't',
    resumed: false,
    rooms: [],
    heartbeat: { intervalMs: 0, timeoutMs: 0 },
    limits: { maxFrameBytes: 65536, maxTextLength: 4000, historyPageMax: 100 },
    server: { domain: 'test', version: '0' },
  };
  const event = (seq: number) => ({
    type: 'message',
    room: 'r',
    epoch: 'e1',
    seq,
    ts: seq,
    from: { id: 'b@t', name: 'Bob', avatar: '' },
    text: `${text} ${seq}`,
    html: '',
  });
  const lines: string[] = [];
  const sockets: Socket[] = [];
  const server = createServer((socket: Socket) => {
    sockets.push(socket);
    socket.setNoDelay(true);
    let buffered = '';
    socket.on('data', async (chunk) => {
      buffered += chunk.toString('utf8');
      if (!buffered.includes('\n')) return;
      lines.push(...buffered.split('\n').slice(0, -1));
      buffered = '';
      const stream = Buffer.from(
        [welcome, event(1), event(2), event(3)].map((m) => `${JSON.stringify(m)}\n`).join(''),
      );
      // Cut inside "€" (3 bytes) and "😀" (4 bytes) of the first event, and send the rest in one go.
      const euro = stream.indexOf(Buffer.from('€'));
      const smiley = stream.indexOf(Buffer.from('😀'));
      for (const [from, to] of [
        [0, 10],
        [10, euro + 1],
        [euro + 1, euro + 2],
        [euro + 2, smiley + 3],
        [smiley + 3, stream.length],
      ] as const) {
        socket.write(stream.subarray(from, to));
        await pause(15);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as AddressInfo;
  const client = new PresenceClient({
    transport: tcpTransport({ host: '127.0.0.1', port }),
    reconnect: false,
  });
  t.after(() => client.close());
  const texts: string[] = [];
  client.on('message', (m) => texts.push(m.text));
  const got = await client.connect();
  assert.equal(got.sessionId, 's1');
  await until(() => texts.length === 3, 'three messages');
  assert.deepEqual(texts, [`${text} 1`, `${text} 2`, `${text} 3`]);
  assert.equal(lines.length, 1, 'the hello went out as exactly one line');
  assert.equal(JSON.parse(lines[0] ?? '{}').type, 'hello');
});

async function endToEnd(transport: TransportFactory, fake: FakeServer): Promise<void> {
  const client = new PresenceClient({ transport, name: 'Ada', reconnect: { minDelayMs: 5, maxDelayMs: 20 } });
  try {
    const events: RoomEvent[] = [];
    client.on('event', (e) => events.push(e));
    await client.connect();
    const { room } = await client.request('room.create', {});
    const ack = await client.sendChat(room.id, 'Grüße 👋');
    assert.equal(ack.seq, 1);
    await until(() => events.length === 1, 'own message');

    // Drop the connection while a message is missed; recovery replays it after the welcome.
    fake.last.kill();
    fake.append(room.id, 'while away', { deliver: false });
    await until(() => events.length === 2, 'replayed message', 3000);
    assert.equal(fake.connections.length, 2);
    assert.deepEqual(fake.received('hello')[1]?.['rooms'], [{ room: room.id, epoch: 'e1', seq: 1 }]);
    assert.deepEqual(
      events.map((e) => (e.type === 'message' ? e.text : e.type)),
      ['Grüße 👋', 'while away'],
    );
    assert.equal((await client.request('ping', {})).ts > 0, true);
  } finally {
    client.close();
  }
}

test('tcp: connect, chat, drop and recover against a server on 127.0.0.1', async (t) => {
  const fake = new FakeServer();
  const listening = await serveTcp(fake);
  t.after(() => listening.close());
  await endToEnd(tcpTransport({ host: '127.0.0.1', port: listening.port }), fake);
});

test('ws: connect, chat, drop and recover against a server on 127.0.0.1', async (t) => {
  const fake = new FakeServer();
  const listening = await serveWs(fake);
  t.after(() => listening.close());
  await endToEnd(wsTransport(`ws://127.0.0.1:${listening.port}/ws`), fake);
});

test('tcp and ws: a refused connection rejects connect() with CONNECT_FAILED', async () => {
  const port = await closedPort();
  for (const transport of [
    tcpTransport({ host: '127.0.0.1', port }),
    wsTransport(`ws://127.0.0.1:${port}/ws`),
  ]) {
    const client = new PresenceClient({ transport });
    await assert.rejects(client.connect(), { name: 'PresenceClientError', code: 'CONNECT_FAILED' });
    assert.equal(client.state, 'closed');
    client.close();
  }
});

test('tcp: a line longer than maxLineLength drops the connection', async (t) => {
  const server = createServer((socket) => {
    socket.once('data', () => socket.write('x'.repeat(5000)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.address() as AddressInfo;
  const client = new PresenceClient({
    transport: tcpTransport({ host: '127.0.0.1', port, maxLineLength: 1000 }),
    requestTimeoutMs: 3000,
  });
  await assert.rejects(client.connect(), { code: 'DISCONNECTED' });
  client.close();
});
