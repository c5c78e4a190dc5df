// test-needs: postgres
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { createTestSchema, TEST_DATABASE_URL } from '../../../../test/postgres.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';
import { createServiceKey } from '../../src/identity/service-keys.js';

/** The service API (/api/service/…) against a real server, with real clients watching. */

interface Api {
  call(
    method: string,
    path: string,
    body?: unknown,
    key?: string | null,
  ): Promise<{ status: number; body: Json }>;
  /** Create a service user and a session for it; returns the user id and a connected client. */
  connect(local: string, name: string): Promise<{ id: string; client: RawClient }>;
}

function apiFor(srv: TestServer, key: string): Api {
  const api: Api = {
    async call(method, path, body, useKey = key) {
      const headers: Record<string, string> = {};
      if (useKey !== null) headers['authorization'] = `Bearer ${useKey}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${srv.httpUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
    },
    async connect(local, name) {
      const created = await api.call('POST', '/api/service/users', { id: local, name });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = (created.body['user'] as Json)['id'] as string;
      const session = await api.call('POST', `/api/service/users/${encodeURIComponent(id)}/sessions`);
      assert.equal(session.status, 201);
      const client = await RawClient.tcp(srv.tcp.port);
      const welcome = await client.request('hello', { v: 1, token: session.body['token'] });
      assert.equal(welcome['type'], 'welcome', JSON.stringify(welcome));
      return { id, client };
    },
  };
  return api;
}

let srv: TestServer;
let key: string;
let api: Api;
before(async () => {
  srv = await startTestServer({ maxTextLength: 200 });
  ({ key } = await createServiceKey(srv.server.store.serviceKeys, 'test backend'));
  api = apiFor(srv, key);
});
after(async () => {
  await srv.close();
});

describe('authentication', () => {
  test('no key, a malformed header, a wrong key and a revoked key are 401 UNAUTHORIZED', async () => {
    const { key: revoked, record } = await createServiceKey(srv.server.store.serviceKeys, 'old');
    assert.equal((await api.call('GET', '/api/service/rooms', undefined, revoked)).status, 200);
    await srv.server.store.serviceKeys.revokeServiceKey(record.id, Date.now());

    const wrong = `psk_${'A'.repeat(43)}`;
    for (const k of [null, 'not-a-key', wrong, revoked, key.slice(0, -1)]) {
      const res = await api.call('GET', '/api/service/rooms', undefined, k);
      assert.equal(res.status, 401, String(k));
      assert.equal(res.body['code'], 'UNAUTHORIZED');
    }
    const basic = await fetch(`${srv.httpUrl}/api/service/rooms`, {
      headers: { authorization: `Basic ${key}` },
    });
    assert.equal(basic.status, 401);
    assert.match(basic.headers.get('www-authenticate') ?? '', /^Bearer/);
    // Refused before the body is read: an unauthenticated write does nothing.
    const write = await api.call('POST', '/api/service/users', { id: 'intruder', name: 'X' }, null);
    assert.equal(write.status, 401);
    assert.equal(await srv.server.store.accounts.getUser('intruder@localhost'), undefined);
  });
});

describe('users and sessions', () => {
  test('create a user, mint a session, hello with it over TCP', async () => {
    const created = await api.call('POST', '/api/service/users', { id: 'alice', name: 'Alice' });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body['user'], {
      id: 'alice@localhost',
      name: 'Alice',
      avatar: '/avatars/alice%40localhost.svg',
      kind: 'service',
      createdAt: (created.body['user'] as Json)['createdAt'],
    });
    const session = await api.call('POST', '/api/service/users/alice@localhost/sessions');
    assert.equal(session.status, 201);
    assert.equal(typeof session.body['token'], 'string');

    const c = await RawClient.tcp(srv.tcp.port);
    const welcome = await c.request('hello', { v: 1, token: session.body['token'] });
    assert.equal(welcome['type'], 'welcome');
    assert.equal(welcome['userId'], 'alice@localhost');
    assert.equal(welcome['name'], 'Alice');
    assert.equal(welcome['resumeError'], undefined);
    c.close();
  });

  test('an avatar URL replaces the generated avatar; without an id one is chosen', async () => {
    const created = await api.call('POST', '/api/service/users', {
      name: 'Pic',
      avatarUrl: 'https://cdn.example.org/pic.png',
    });
    assert.equal(created.status, 201);
    const user = created.body['user'] as Json;
    assert.match(String(user['id']), /^[a-z2-7]{10}@localhost$/);
    assert.equal(user['avatar'], 'https://cdn.example.org/pic.png');
  });

  test('taken and reserved ids are 409 USERNAME_TAKEN', async () => {
    assert.equal((await api.call('POST', '/api/service/users', { id: 'dup', name: 'One' })).status, 201);
    for (const id of ['dup', 'system']) {
      const res = await api.call('POST', '/api/service/users', { id, name: 'Two' });
      assert.equal(res.status, 409, id);
      assert.equal(res.body['code'], 'USERNAME_TAKEN');
    }
  });

  test('bad bodies are 400 INVALID_MESSAGE; unknown users are 404 USER_NOT_FOUND', async () => {
    const bad: unknown[] = [
      {},
      { name: '' },
      { id: 'Not Valid', name: 'X' },
      { id: 'x', name: 'X', avatarUrl: 'javascript:alert(1)' },
      { name: 'x'.repeat(65) },
      '{"name":',
      '[]',
    ];
    for (const body of bad) {
      const res = await api.call('POST', '/api/service/users', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body['code'], 'INVALID_MESSAGE');
      assert.equal(typeof res.body['message'], 'string');
    }
    const res = await api.call('POST', '/api/service/users/nobody@localhost/sessions');
    assert.equal(res.status, 404);
    assert.equal(res.body['code'], 'USER_NOT_FOUND');
  });
});

describe('rooms, members and messages', () => {
  test('a named room with an owner: members come and go, the system and members post', async () => {
    const olga = await api.connect('olga', 'Olga');
    const bob = await api.connect('bob', 'Bob');
    const created = await api.call('POST', '/api/service/rooms', {
      name: 'Team',
      topic: 'work',
      visibility: 'private',
      owner: olga.id,
    });
    assert.equal(created.status, 201);
    const room = created.body['room'] as Json;
    assert.equal(room['persistent'], true);
    assert.equal(room['createdBy'], olga.id);
    assert.equal(room['memberCount'], 1);
    const roomId = room['id'] as string;

    const joined = await olga.client.ok('room.join', { room: roomId });
    assert.equal(joined['role'], 'owner');

    // Add Bob: Olga sees member.joined; a role change is member.updated; the same role is a no-op.
    const added = await api.call('PUT', `/api/service/rooms/${roomId}/members/${bob.id}`, { role: 'member' });
    assert.equal(added.status, 201);
    assert.deepEqual(added.body['member'], {
      id: bob.id,
      name: 'Bob',
      avatar: '/avatars/bob%40localhost.svg',
      role: 'member',
      online: false,
    });
    const joinedEvent = await olga.client.event('member.joined');
    assert.equal((joinedEvent['user'] as Json)['id'], bob.id);
    const promoted = await api.call('PUT', `/api/service/rooms/${roomId}/members/${bob.id}`, {
      role: 'admin',
    });
    assert.equal(promoted.status, 200);
    const updated = await olga.client.event('member.updated');
    assert.equal((updated['user'] as Json)['role'], 'admin');
    assert.equal((updated['by'] as Json)['id'], 'system@localhost');
    const again = await api.call('PUT', `/api/service/rooms/${roomId}/members/${bob.id}`, { role: 'admin' });
    assert.equal(again.status, 200);

    // Bob may now join the private room (he is a member).
    const bobJoined = await bob.client.ok('room.join', { room: roomId });
    assert.equal(bobJoined['role'], 'admin');

    // Messages: from the system, and as a member, rendered by the server.
    const sys = await api.call('POST', `/api/service/rooms/${roomId}/messages`, { text: 'Welcome **all**' });
    assert.equal(sys.status, 201);
    assert.equal(sys.body['epoch'], room['epoch']);
    for (const c of [olga.client, bob.client]) {
      const m = await c.event('message', (e) => e['seq'] === sys.body['seq']);
      assert.deepEqual(m['from'], {
        id: 'system@localhost',
        name: 'System',
        avatar: '/avatars/system%40localhost.svg',
      });
      assert.equal(m['html'], '<p>Welcome <strong>all</strong></p>');
    }
    const asOlga = await api.call('POST', `/api/service/rooms/${roomId}/messages`, {
      text: 'hi _bob_',
      as: olga.id,
    });
    assert.equal(asOlga.status, 201);
    const fromOlga = await bob.client.event('message', (e) => e['seq'] === asOlga.body['seq']);
    assert.equal((fromOlga['from'] as Json)['name'], 'Olga');
    assert.equal(fromOlga['html'], '<p>hi <em>bob</em></p>');

    const members = await api.call('GET', `/api/service/rooms/${roomId}/members`);
    assert.deepEqual(
      (members.body['members'] as Json[]).map((m) => [m['id'], m['role'], m['online']]),
      [
        [olga.id, 'owner', true],
        [bob.id, 'admin', true],
      ],
    );

    // Remove Bob: both see member.left (removed); Bob gets nothing of the room afterwards.
    const removed = await api.call('DELETE', `/api/service/rooms/${roomId}/members/${bob.id}`);
    assert.equal(removed.status, 204);
    for (const c of [olga.client, bob.client]) {
      const left = await c.event('member.left');
      assert.equal(left['reason'], 'removed');
      assert.equal((left['user'] as Json)['id'], bob.id);
    }
    const after = await api.call('POST', `/api/service/rooms/${roomId}/messages`, { text: 'after' });
    await olga.client.event('message', (e) => e['seq'] === after.body['seq']);
    await assert.rejects(
      bob.client.event('message', () => true, 300),
      /timed out/,
    );
    const stored = await srv.server.store.listMembers(roomId);
    assert.deepEqual(
      stored.map((m) => m.userId),
      [olga.id],
    );

    // Bob is no member: he cannot be posted as, nor removed again.
    const notMember = await api.call('POST', `/api/service/rooms/${roomId}/messages`, {
      text: 'x',
      as: bob.id,
    });
    assert.equal(notMember.status, 404);
    assert.equal(notMember.body['code'], 'NOT_IN_ROOM');
    const removeAgain = await api.call('DELETE', `/api/service/rooms/${roomId}/members/${bob.id}`);
    assert.equal(removeAgain.status, 404);
    assert.equal(removeAgain.body['code'], 'NOT_IN_ROOM');

    olga.client.close();
    bob.client.close();
  });

  test('a room nobody is in is changed in the store and not kept in memory', async () => {
    const created = await api.call('POST', '/api/service/rooms', { name: 'Quiet' });
    assert.equal(created.status, 201);
    const room = created.body['room'] as Json;
    assert.equal(room['createdBy'], 'system@localhost');
    assert.equal(room['memberCount'], 0);
    const roomId = room['id'] as string;
    await api.call('POST', '/api/service/users', { id: 'quinn', name: 'Quinn' });
    const before = srv.server.store;
    const loadedBefore = await health();
    const put = await api.call('PUT', `/api/service/rooms/${roomId}/members/quinn@localhost`, {
      role: 'guest',
    });
    assert.equal(put.status, 201);
    const msg = await api.call('POST', `/api/service/rooms/${roomId}/messages`, { text: 'note' });
    assert.equal(msg.status, 201);
    assert.equal(msg.body['seq'], 2);
    assert.equal(await health(), loadedBefore, 'the room was unloaded again');
    assert.equal((await before.getMember(roomId, 'quinn@localhost'))?.role, 'guest');
    const page = await before.readEvents(roomId, { limit: 10 });
    assert.deepEqual(
      page.events.map((e) => e.type),
      ['member.joined', 'message'],
    );
    const members = await api.call('GET', `/api/service/rooms/${roomId}/members`);
    assert.deepEqual(members.body['members'], [
      {
        id: 'quinn@localhost',
        name: 'Quinn',
        avatar: '/avatars/quinn%40localhost.svg',
        role: 'guest',
        online: false,
      },
    ]);
  });

  test('an unnamed room: system-owned, no added members, purged when the last one leaves', async () => {
    const created = await api.call('POST', '/api/service/rooms', { topic: 'pop-up' });
    assert.equal(created.status, 201);
    const room = created.body['room'] as Json;
    assert.equal(room['persistent'], false);
    assert.equal(room['name'], null);
    const roomId = room['id'] as string;
    await api.call('POST', '/api/service/users', { id: 'una', name: 'Una' });

    const put = await api.call('PUT', `/api/service/rooms/${roomId}/members/una@localhost`, {
      role: 'member',
    });
    assert.equal(put.status, 403);
    assert.equal(put.body['code'], 'FORBIDDEN');
    assert.match(String(put.body['message']), /unnamed/);

    const posted = await api.call('POST', `/api/service/rooms/${roomId}/messages`, { text: 'first' });
    assert.equal(posted.status, 201);
    // It stays until someone has come and gone.
    const listed = await api.call('GET', '/api/service/rooms?limit=500');
    assert.ok((listed.body['rooms'] as Json[]).some((r) => r['id'] === roomId));

    const guest = await RawClient.ws(srv.wsUrl);
    await guest.hello('Visitor');
    const joined = await guest.ok('room.join', { room: roomId });
    assert.equal(((joined['recent'] as Json[])[0] as Json)['text'], 'first');
    await guest.ok('room.leave', { room: roomId });
    const gone = await api.call('GET', `/api/service/rooms/${roomId}/members`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body['code'], 'ROOM_NOT_FOUND');
    guest.close();
  });

  test('an unnamed room with an owner: they are its owner when they come', async () => {
    const ida = await api.connect('ida', 'Ida');
    const created = await api.call('POST', '/api/service/rooms', { owner: ida.id });
    const roomId = (created.body['room'] as Json)['id'] as string;
    const joined = await ida.client.ok('room.join', { room: roomId });
    assert.equal(joined['role'], 'owner');
    ida.client.close();
  });

  test('removing the last one present from an unnamed room purges it', async () => {
    const created = await api.call('POST', '/api/service/rooms', {});
    const roomId = (created.body['room'] as Json)['id'] as string;
    const c = await RawClient.tcp(srv.tcp.port);
    const welcome = await c.hello('Kicked');
    await c.ok('room.join', { room: roomId });
    const res = await api.call('DELETE', `/api/service/rooms/${roomId}/members/${String(welcome['userId'])}`);
    assert.equal(res.status, 204);
    const left = await c.event('member.left');
    assert.equal(left['reason'], 'removed');
    assert.equal((await api.call('GET', `/api/service/rooms/${roomId}/members`)).status, 404);
    c.close();
  });

  test('invites: create one for a private room, it lets a stranger in once; list, revoke', async () => {
    const created = await api.call('POST', '/api/service/rooms', { name: 'Closed', visibility: 'private' });
    const roomId = (created.body['room'] as Json)['id'] as string;
    const single = await api.call('POST', `/api/service/rooms/${roomId}/invites`, { kind: 'single' });
    assert.equal(single.status, 201, JSON.stringify(single.body));
    const invite = single.body['invite'] as Json;
    assert.equal(invite['room'], roomId);
    assert.equal(invite['maxUses'], 1);
    assert.equal((invite['createdBy'] as Json)['id'], 'system@localhost');
    assert.equal(invite['url'], `/i/${String(invite['code'])}`);
    const listed = await api.call('GET', `/api/service/rooms/${roomId}/invites`);
    assert.deepEqual(
      (listed.body['invites'] as Json[]).map((i) => i['code']),
      [invite['code']],
    );

    const stranger = await RawClient.ws(srv.wsUrl);
    await stranger.hello('Stranger');
    const refused = await stranger.request('room.join', { room: roomId });
    assert.equal(refused['code'], 'FORBIDDEN');
    await stranger.ok('room.join', { invite: invite['code'] });
    stranger.close();
    const usedUp = await api.call('GET', `/api/service/rooms/${roomId}/invites`);
    assert.deepEqual(usedUp.body['invites'], []);

    const pub = await api.call('POST', `/api/service/rooms/${roomId}/invites`, {
      kind: 'public',
      maxUses: 10,
      expiresInSeconds: 60,
    });
    const code = String((pub.body['invite'] as Json)['code']);
    assert.equal((await api.call('DELETE', `/api/service/rooms/${roomId}/invites/${code}`)).status, 204);
    assert.deepEqual((await api.call('GET', `/api/service/rooms/${roomId}/invites`)).body['invites'], []);
    const unknown = await api.call('DELETE', `/api/service/rooms/${roomId}/invites/nope`);
    assert.equal(unknown.status, 404);
    assert.deepEqual([unknown.body['code'], unknown.body['reason']], ['INVITE_INVALID', 'not_found']);

    const bad = await api.call('POST', `/api/service/rooms/${roomId}/invites`, {
      kind: 'single',
      maxUses: 3,
    });
    assert.equal(bad.status, 400);
    const noRoom = await api.call('POST', '/api/service/rooms/nosuchroom000000/invites', { kind: 'single' });
    assert.equal(noRoom.status, 404);
    assert.equal(noRoom.body['code'], 'ROOM_NOT_FOUND');
  });

  test('list rooms: paged, persistent first, with a total', async () => {
    const all = await api.call('GET', '/api/service/rooms?limit=500');
    assert.equal(all.status, 200);
    const rooms = all.body['rooms'] as Json[];
    assert.equal(all.body['total'], rooms.length);
    const firstEphemeral = rooms.findIndex((r) => r['persistent'] === false);
    assert.ok(
      rooms.slice(firstEphemeral === -1 ? rooms.length : firstEphemeral).every((r) => !r['persistent']),
    );
    const ids: unknown[] = [];
    for (let offset = 0; offset < rooms.length; offset += 2) {
      const page = await api.call('GET', `/api/service/rooms?limit=2&offset=${offset}`);
      assert.equal(page.body['limit'], 2);
      assert.equal(page.body['offset'], offset);
      ids.push(...(page.body['rooms'] as Json[]).map((r) => r['id']));
    }
    assert.deepEqual(
      ids,
      rooms.map((r) => r['id']),
    );
    for (const q of ['limit=0', 'limit=501', 'offset=-1', 'limit=abc']) {
      const res = await api.call('GET', `/api/service/rooms?${q}`);
      assert.equal(res.status, 400, q);
      assert.equal(res.body['code'], 'INVALID_MESSAGE');
    }
  });

  test('404s, 400s and 413 across the room operations', async () => {
    const missing = 'nosuchroom000000';
    const cases: [string, string, unknown, number, string][] = [
      ['GET', `/api/service/rooms/${missing}/members`, undefined, 404, 'ROOM_NOT_FOUND'],
      ['POST', `/api/service/rooms/${missing}/messages`, { text: 'x' }, 404, 'ROOM_NOT_FOUND'],
      ['DELETE', `/api/service/rooms/${missing}/members/a@localhost`, undefined, 404, 'ROOM_NOT_FOUND'],
      [
        'PUT',
        `/api/service/rooms/${missing}/members/alice@localhost`,
        { role: 'member' },
        404,
        'ROOM_NOT_FOUND',
      ],
      ['POST', '/api/service/rooms', { name: 'X', owner: 'ghost@localhost' }, 404, 'USER_NOT_FOUND'],
      ['POST', '/api/service/rooms', { name: '' }, 400, 'INVALID_MESSAGE'],
      ['POST', '/api/service/rooms', { visibility: 'secret' }, 400, 'INVALID_MESSAGE'],
      ['GET', '/api/service/rooms/bad%20id/members', undefined, 400, 'INVALID_MESSAGE'],
    ];
    const created = await api.call('POST', '/api/service/rooms', { name: 'Errors' });
    const roomId = (created.body['room'] as Json)['id'] as string;
    cases.push(
      [
        'PUT',
        `/api/service/rooms/${roomId}/members/ghost@localhost`,
        { role: 'member' },
        404,
        'USER_NOT_FOUND',
      ],
      [
        'PUT',
        `/api/service/rooms/${roomId}/members/alice@localhost`,
        { role: 'king' },
        400,
        'INVALID_MESSAGE',
      ],
      ['PUT', `/api/service/rooms/${roomId}/members/alice@localhost`, undefined, 400, 'INVALID_MESSAGE'],
      ['POST', `/api/service/rooms/${roomId}/messages`, { text: '' }, 400, 'INVALID_MESSAGE'],
      ['POST', `/api/service/rooms/${roomId}/messages`, { text: '   ' }, 400, 'INVALID_MESSAGE'],
      ['POST', `/api/service/rooms/${roomId}/messages`, { text: 'x'.repeat(201) }, 413, 'MESSAGE_TOO_LONG'],
      [
        'POST',
        `/api/service/rooms/${roomId}/messages`,
        { text: 'x', as: 'ghost@localhost' },
        404,
        'NOT_IN_ROOM',
      ],
    );
    for (const [method, path, body, status, code] of cases) {
      const res = await api.call(method, path, body);
      assert.equal(
        res.status,
        status,
        `${method} ${path} ${JSON.stringify(body)}: ${JSON.stringify(res.body)}`,
      );
      assert.equal(res.body['code'], code, `${method} ${path}`);
    }
  });
});

test('on PostgreSQL: users, sessions, rooms, members and messages', async () => {
  const { schema, drop } = await createTestSchema('presence_service');
  const pg = await startTestServer({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema });
  try {
    const { key: pgKey } = await createServiceKey(pg.server.store.serviceKeys, 'pg');
    const pgApi = apiFor(pg, pgKey);
    const owner = await pgApi.connect('owner', 'Owner');
    const created = await pgApi.call('POST', '/api/service/rooms', { name: 'PG', owner: owner.id });
    const roomId = (created.body['room'] as Json)['id'] as string;
    await owner.client.ok('room.join', { room: roomId });
    await pgApi.call('POST', '/api/service/users', { id: 'm', name: 'M' });
    assert.equal(
      (await pgApi.call('PUT', `/api/service/rooms/${roomId}/members/m@localhost`, { role: 'member' }))
        .status,
      201,
    );
    await owner.client.event('member.joined');
    const posted = await pgApi.call('POST', `/api/service/rooms/${roomId}/messages`, { text: 'from pg' });
    assert.equal(posted.status, 201);
    await owner.client.event('message', (e) => e['seq'] === posted.body['seq']);
    const listed = await pgApi.call('GET', '/api/service/rooms');
    assert.deepEqual(
      (listed.body['rooms'] as Json[]).map((r) => [r['name'], r['memberCount']]),
      [['PG', 2]],
    );
    owner.client.close();
  } finally {
    await pg.close();
    await drop();
  }
});

async function health(): Promise<number> {
  const res = await fetch(`${srv.httpUrl}/healthz`);
  return ((await res.json()) as { rooms: number }).rooms;
}
