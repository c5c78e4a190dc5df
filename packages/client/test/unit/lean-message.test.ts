import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RoomEvent } from '@presence/protocol';
import { PresenceClient } from '../../src/index.js';
import { FakeServer, memoryTransport, until } from '../support/fake-server.js';

// Protocol v2 may send a live message lean: the client gives applications the full shape back.
test('a lean message gets its sender from the members, the epoch from the join and the escaped html', async (t) => {
  const server = new FakeServer();
  const room = server.createRoom('r1', 'ep1');
  const bob = { id: 'bob@test', name: 'Bob', avatar: '/a/bob.png', role: 'member', online: true };
  server.intercept = (m, connection) => {
    if (m['type'] !== 'room.join') return false;
    room.members.add(connection);
    const result = {
      room: {
        id: 'r1',
        name: null,
        topic: '',
        visibility: 'public',
        persistent: false,
        epoch: 'ep1',
        seq: 0,
        createdAt: 1,
        memberCount: 2,
      },
      members: [bob],
      role: 'member',
      recent: [],
    };
    connection.send({ type: 'ok', id: m['id'], result });
    return true;
  };
  const client = new PresenceClient({
    transport: memoryTransport(server),
    name: 'Ada',
    requestTimeoutMs: 2000,
  });
  t.after(() => client.close());
  const messages: Extract<RoomEvent, { type: 'message' }>[] = [];
  client.on('message', (m) => messages.push(m));
  await client.connect();
  await client.request('room.join', { room: 'r1' });
  const base = { type: 'message', room: 'r1', ts: 5 };
  // From a member of the server's own domain (`bob` stands for bob@test), plain: no html.
  server.last.send({ ...base, seq: 1, from: 'bob', text: 'a < b' });
  // A member named after the snapshot: member.updated keeps names current.
  server.last.send({
    type: 'member.updated',
    room: 'r1',
    epoch: 'ep1',
    seq: 2,
    ts: 6,
    by: bob,
    user: { ...bob, name: 'Robert' },
  });
  server.last.send({ ...base, seq: 3, from: 'bob@test', text: '**hi**', html: '<p><strong>hi</strong></p>' });
  // Someone the client has not seen: a name from the id, the default avatar path.
  server.last.send({ ...base, seq: 4, from: 'eve@elsewhere', text: 'x' });
  await until(() => messages.length === 3, 'three messages');
  assert.deepEqual(messages[0], {
    ...base,
    seq: 1,
    epoch: 'ep1',
    from: { id: 'bob@test', name: 'Bob', avatar: '/a/bob.png' },
    text: 'a < b',
    html: '<p>a &lt; b</p>',
  });
  assert.equal(messages[1]?.from.name, 'Robert');
  assert.equal(messages[1]?.html, '<p><strong>hi</strong></p>');
  assert.deepEqual(messages[2]?.from, {
    id: 'eve@elsewhere',
    name: 'eve',
    avatar: '/avatars/eve%40elsewhere.svg',
  });
  // The position moved with them: the lean messages count as room events.
  assert.equal(client.positions().find((p) => p.room === 'r1')?.seq, 4);
});
