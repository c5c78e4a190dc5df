import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RoomEvent } from '@presence/protocol';
import {
  PresenceClient,
  PresenceRequestError,
  type ConnectionState,
  type PresenceClientOptions,
} from '../../src/index.js';
import { FakeServer, memoryTransport, until } from '../support/fake-server.js';

function setup(options: Partial<PresenceClientOptions> = {}) {
  const server = new FakeServer();
  const client = new PresenceClient({
    transport: memoryTransport(server),
    name: 'Ada',
    reconnect: { minDelayMs: 2, maxDelayMs: 10 },
    requestTimeoutMs: 2000,
    ...options,
  });
  const events: RoomEvent[] = [];
  const states: ConnectionState[] = [];
  client.on('event', (e) => events.push(e));
  client.on('state', (s) => states.push(s));
  return { server, client, events, states };
}

test('connect sends hello and keeps what the welcome says', async (t) => {
  const { server, client, states } = setup({ clientName: 'tests', token: 'old-token' });
  t.after(() => client.close());
  const welcome = await client.connect();
  const [hello] = server.received('hello');
  assert.equal(hello?.['v'], 2);
  assert.equal(hello?.['name'], 'Ada');
  assert.equal(hello?.['client'], 'tests');
  assert.equal(hello?.['token'], 'old-token');
  assert.equal(hello?.['rooms'], undefined, 'no positions yet');
  assert.equal(client.token, welcome.token);
  assert.equal(client.userId, welcome.userId);
  assert.equal(client.sessionId, welcome.sessionId);
  assert.equal(client.welcome, welcome);
  assert.equal(client.state, 'connected');
  assert.deepEqual(states, ['connecting', 'connected']);
  assert.equal(await client.connect(), welcome, 'connect() again is a no-op');
});

test('replies are matched to requests by id, in whatever order they come', async (t) => {
  const { server, client } = setup();
  t.after(() => client.close());
  await client.connect();
  const held: Array<Record<string, unknown>> = [];
  server.intercept = (m) => {
    if (m['type'] !== 'ping') return false;
    held.push(m);
    return true;
  };
  const first = client.request('ping', {});
  const second = client.request('ping', {});
  await until(() => held.length === 2, 'both pings');
  const [a, b] = held;
  assert.notEqual(a?.['id'], b?.['id']);
  server.last.send({ type: 'ok', id: b?.['id'], result: { ts: 2 } });
  server.last.send({ type: 'ok', id: a?.['id'], result: { ts: 1 } });
  assert.deepEqual(await first, { ts: 1 });
  assert.deepEqual(await second, { ts: 2 });
});

test('an error reply rejects with PresenceRequestError carrying the code', async (t) => {
  const { client } = setup();
  t.after(() => client.close());
  await client.connect();
  const error = await client.request('room.join', { room: 'nowhere' }).then(
    () => assert.fail('should reject'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof PresenceRequestError);
  assert.equal(error.code, 'ROOM_NOT_FOUND');
  assert.equal(error.message, 'No such room.');
  assert.equal(error.requestType, 'room.join');
});

test('connection-level errors (no id) are emitted as error events', async (t) => {
  const { server, client } = setup();
  t.after(() => client.close());
  await client.connect();
  const errors: unknown[] = [];
  client.on('error', (e) => errors.push(e));
  server.last.send({ type: 'error', code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 500 });
  await until(() => errors.length === 1, 'error event');
  assert.deepEqual(errors, [{ code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 500 }]);
  assert.equal(client.state, 'connected', 'a non-fatal error does not close');
});

test('requests fail clearly: before connect, on timeout, beyond the pending bound, after close', async () => {
  const { server, client, states } = setup({ requestTimeoutMs: 40, maxPendingRequests: 2 });
  await assert.rejects(client.request('ping', {}), { name: 'PresenceClientError', code: 'NOT_CONNECTED' });
  await client.connect();
  server.intercept = (m) => m['type'] === 'ping';
  await assert.rejects(client.request('ping', {}), { code: 'TIMEOUT' });
  const a = client.request('ping', {});
  const b = client.request('ping', {});
  await assert.rejects(client.request('ping', {}), { code: 'TOO_MANY_PENDING' });
  client.close();
  client.close();
  await assert.rejects(a, { code: 'CLOSED' });
  await assert.rejects(b, { code: 'CLOSED' });
  await assert.rejects(client.request('ping', {}), { code: 'CLOSED' });
  await assert.rejects(client.connect(), { code: 'CLOSED' });
  assert.deepEqual(states, ['connecting', 'connected', 'closed']);
  assert.ok(server.last.closed, 'the transport was closed');
});

test('room events are delivered once, in order; duplicates and pre-snapshot events are dropped', async (t) => {
  const { server, client, events } = setup();
  t.after(() => client.close());
  await client.connect();
  const { room } = await client.request('room.create', {});
  server.append(room.id, 'one');
  await until(() => events.length === 1, 'first event');
  const messages: string[] = [];
  client.on('message', (m) => messages.push(m.text));
  const two = server.append(room.id, 'two');
  server.last.send(two); // a duplicate
  server.last.send({ ...two, seq: 1, text: 'stale' }); // older than the position
  server.append(room.id, 'three');
  await until(() => events.length === 3, 'three events');
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.deepEqual(
    events.map((e) => e.seq),
    [1, 2, 3],
  );
  assert.deepEqual(messages, ['two', 'three']);
  assert.deepEqual(client.positions(), [{ room: room.id, epoch: 'e1', seq: 3 }]);
});

test('a gap is filled from room.history before the event that revealed it', async (t) => {
  const { server, client, events } = setup();
  t.after(() => client.close());
  await client.connect();
  const { room } = await client.request('room.create', {});
  server.append(room.id, 'one');
  await until(() => events.length === 1, 'first event');
  server.append(room.id, 'two', { deliver: false });
  server.append(room.id, 'three', { deliver: false });
  server.append(room.id, 'four');
  server.append(room.id, 'five'); // arrives while the history request is in flight
  await until(() => events.length === 5, 'five events');
  assert.deepEqual(
    events.map((e) => e.seq),
    [1, 2, 3, 4, 5],
  );
  const history = server.received('room.history');
  assert.equal(history.length, 1);
  assert.equal(history[0]?.['room'], room.id);
  assert.equal(history[0]?.['after'], 1);
});

test('an unfillable gap emits resync and continues after it', async (t) => {
  const { server, client, events } = setup();
  t.after(() => client.close());
  await client.connect();
  const { room } = await client.request('room.create', {});
  const resyncs: string[] = [];
  client.on('resync', (r) => resyncs.push(r.room));
  server.intercept = (m, c) => {
    if (m['type'] !== 'room.history') return false;
    c.send({ type: 'ok', id: m['id'], result: { events: [], more: false } });
    return true;
  };
  server.append(room.id, 'one', { deliver: false });
  server.append(room.id, 'two');
  await until(() => events.length === 1, 'the event after the gap');
  assert.equal(events[0]?.seq, 2);
  assert.deepEqual(resyncs, [room.id]);
});

test('an epoch change on a live event emits resync and follows the new epoch', async (t) => {
  const { server, client, events } = setup();
  t.after(() => client.close());
  await client.connect();
  const { room } = await client.request('room.create', {});
  const resyncs: string[] = [];
  client.on('resync', (r) => resyncs.push(r.room));
  server.append(room.id, 'one');
  await until(() => events.length === 1, 'first');
  server.room(room.id).epoch = 'e2';
  server.room(room.id).events = [];
  server.append(room.id, 'new one');
  await until(() => events.length === 2, 'second');
  assert.deepEqual(resyncs, [room.id]);
  assert.deepEqual(client.positions(), [{ room: room.id, epoch: 'e2', seq: 1 }]);
});

test('after a drop: hello carries the token and positions, and an unacked chat.send is re-sent with its nonce', async (t) => {
  const { server, client, events, states } = setup();
  t.after(() => client.close());
  const welcome = await client.connect();
  const { room } = await client.request('room.create', {});
  await client.sendChat(room.id, 'first');
  await until(() => events.length === 1, 'own message');
  const recovered: unknown[] = [];
  client.on('recovered', (r) => recovered.push(r));

  // The server stores the message, then the connection dies before the ack and the event go out.
  let dropped = false;
  server.intercept = (m, c) => {
    if (m['type'] !== 'chat.send' || dropped) return false;
    dropped = true;
    server.append(room.id, String(m['text']), { deliver: false, nonce: String(m['nonce']) });
    const stored = server.room(room.id).events.at(-1);
    server
      .room(room.id)
      .nonces.set(String(m['nonce']), { epoch: 'e1', seq: stored?.seq ?? 0, ts: stored?.ts ?? 0 });
    c.kill();
    return true;
  };
  const ack = await client.sendChat(room.id, 'second');

  assert.equal(ack.duplicate, true, 'the server recognised the resend');
  assert.equal(ack.seq, 2);
  const sends = server.received('chat.send').filter((m) => m['text'] === 'second');
  assert.equal(sends.length, 2, 'sent once per connection');
  assert.equal(sends[0]?.['nonce'], sends[1]?.['nonce']);
  assert.equal(typeof sends[0]?.['nonce'], 'string');
  assert.equal(
    server.room(room.id).events.filter((e) => e.type === 'message' && e.text === 'second').length,
    1,
  );

  const hellos = server.received('hello');
  assert.equal(hellos.length, 2);
  assert.equal(hellos[1]?.['token'], welcome.token);
  assert.deepEqual(hellos[1]?.['rooms'], [{ room: room.id, epoch: 'e1', seq: 1 }]);
  await until(() => events.length === 2, 'replayed message');
  assert.deepEqual(
    events.map((e) => (e.type === 'message' ? e.text : e.type)),
    ['first', 'second'],
    'the replayed message is delivered exactly once',
  );
  assert.deepEqual(recovered, [{ room: room.id, recovered: true }]);
  assert.deepEqual(states, ['connecting', 'connected', 'reconnecting', 'connected']);
  assert.equal(client.welcome?.resumed, true);
});

test('a failed recovery emits recovered:false and resync, and forgets the position', async (t) => {
  const { server, client } = setup();
  t.after(() => client.close());
  await client.connect();
  const { room } = await client.request('room.create', {});
  const seen: string[] = [];
  client.on('recovered', (r) => seen.push(`recovered ${r.room} ${r.recovered}`));
  client.on('resync', (r) => seen.push(`resync ${r.room}`));
  server.room(room.id).epoch = 'e9';
  server.last.kill();
  await until(() => seen.length === 2, 'recovery events');
  assert.deepEqual(seen, [`recovered ${room.id} false`, `resync ${room.id}`]);
  assert.deepEqual(client.positions(), []);
});

test('in-flight requests: repeatable ones are re-sent, others fail with DISCONNECTED; queued ones wait', async (t) => {
  const { server, client, states } = setup();
  t.after(() => client.close());
  await client.connect();
  const { room } = await client.request('room.create', {});
  server.intercept = (m, c) => {
    if (server.connections.length > 1 || (m['type'] !== 'room.history' && m['type'] !== 'room.update'))
      return false;
    if (m['type'] === 'room.update') c.kill();
    return true;
  };
  const history = client.request('room.history', { room: room.id, after: 0 });
  const update = client.request('room.update', { room: room.id, topic: 'x' });
  await assert.rejects(update, { name: 'PresenceClientError', code: 'DISCONNECTED' });
  assert.equal(client.state, 'reconnecting');
  const queued = client.request('ping', {});
  assert.deepEqual(await history, { events: [], more: false });
  assert.equal(typeof (await queued).ts, 'number');
  assert.deepEqual(states.slice(-2), ['reconnecting', 'connected']);
});

test('reconnect: false closes on a drop; a fatal error closes without reconnecting', async () => {
  const a = setup({ reconnect: false });
  await a.client.connect();
  const pending = a.client.request('room.history', { room: 'x' });
  a.server.intercept = () => true;
  a.server.last.kill();
  await assert.rejects(pending, { code: 'CLOSED' });
  assert.deepEqual(a.states, ['connecting', 'connected', 'closed']);

  const b = setup();
  await b.client.connect();
  const errors: string[] = [];
  b.client.on('error', (e) => errors.push(e.code));
  b.server.last.send({ type: 'error', code: 'SESSION_REPLACED', message: 'elsewhere' });
  await until(() => b.client.state === 'closed', 'closed');
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(b.server.connections.length, 1, 'no reconnection');
  assert.deepEqual(errors, ['SESSION_REPLACED']);
});

test('a failed first connection rejects connect(); connect() may be retried', async (t) => {
  const server = new FakeServer();
  let refuse = true;
  const client = new PresenceClient({ transport: memoryTransport(server, { refuse: () => refuse }) });
  t.after(() => client.close());
  await assert.rejects(client.connect(), { name: 'PresenceClientError', code: 'CONNECT_FAILED' });
  assert.equal(client.state, 'closed');
  refuse = false;
  const welcome = await client.connect();
  assert.equal(welcome.type, 'welcome');
});

test('UNSUPPORTED_VERSION in reply to a reconnection hello stops reconnecting', async (t) => {
  const { server, client } = setup();
  t.after(() => client.close());
  await client.connect();
  const errors: string[] = [];
  client.on('error', (e) => errors.push(e.code));
  server.intercept = (m, c) => {
    if (m['type'] !== 'hello') return false;
    c.send({ type: 'error', id: m['id'], code: 'UNSUPPORTED_VERSION', message: 'v2 only' });
    return true;
  };
  server.last.kill();
  await until(() => client.state === 'closed', 'closed');
  assert.deepEqual(errors, ['UNSUPPORTED_VERSION']);
  assert.equal(server.connections.length, 2);
});

test('heartbeat: pings when idle, reconnects when the ping goes unanswered', async (t) => {
  const { server, client } = setup();
  t.after(() => client.close());
  server.heartbeat = { intervalMs: 20, timeoutMs: 20 };
  await client.connect();
  await until(() => server.received('ping').length >= 2, 'two answered pings');
  assert.equal(server.connections.length, 1, 'answered pings keep the connection');
  server.intercept = (m) => m['type'] === 'ping' && server.connections.length === 1;
  await until(() => server.connections.length === 2 && client.state === 'connected', 'reconnection');
  assert.ok(server.connections[0]?.closed, 'the silent connection was dropped');
});

test('server ping events are answered with pong; typing and other transient events are emitted', async (t) => {
  const { server, client, events } = setup();
  t.after(() => client.close());
  await client.connect();
  const typing: unknown[] = [];
  client.on('typing', (e) => typing.push(e));
  const presence: unknown[] = [];
  client.on('member.presence', (e) => presence.push(e));
  server.last.send({ type: 'ping', ts: 1 });
  const typingEvent = { type: 'typing', room: 'r', user: { id: 'b@t', name: 'B', avatar: '' }, typing: true };
  server.last.send(typingEvent);
  server.last.send({ type: 'member.presence', room: 'r', user: 'b@t', online: false });
  server.last.send({ type: 'state', bogus: true });
  await until(() => server.received('pong').length === 1, 'pong');
  await until(() => typing.length === 1 && presence.length === 1, 'transient events');
  assert.deepEqual(typing, [typingEvent]);
  assert.deepEqual(events, [], 'transient events are not room-log events');
  assert.equal(client.state, 'connected');
});

test('room.leave forgets the room, so later hellos do not list it', async (t) => {
  const { server, client } = setup();
  t.after(() => client.close());
  await client.connect();
  const { room } = await client.request('room.create', {});
  const other = await client.request('room.create', {});
  await client.request('room.leave', { room: room.id });
  assert.deepEqual(client.positions(), [{ room: other.room.id, epoch: 'e1', seq: 0 }]);
  server.last.kill();
  await until(() => server.received('hello').length === 2 && client.state === 'connected', 'reconnect');
  assert.deepEqual(server.received('hello')[1]?.['rooms'], [{ room: other.room.id, epoch: 'e1', seq: 0 }]);
});

test('request() adds a nonce to chat.send when the caller did not', async (t) => {
  const { server, client } = setup();
  t.after(() => client.close());
  await client.connect();
  const { room } = await client.request('room.create', {});
  await client.request('chat.send', { room: room.id, text: 'hi' });
  await client.sendChat(room.id, 'again', { nonce: 'my-nonce' });
  const [first, second] = server.received('chat.send');
  assert.equal(typeof first?.['nonce'], 'string');
  assert.ok(String(first?.['nonce']).length > 0);
  assert.equal(second?.['nonce'], 'my-nonce');
});
