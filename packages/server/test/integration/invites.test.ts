import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../../../../test/harness.js';
import { RawClient, type Json } from '../../../../test/raw-client.js';

/** Invites and room.remove over real sockets; the full role matrix is authorization.test.ts. */

const FAST = { rateLimitPerSecond: 5_000, rateLimitBurst: 5_000 };

let server: TestServer;
const open: RawClient[] = [];

before(async () => {
  server = await startTestServer(FAST);
});
after(async () => {
  for (const client of open) client.close();
  await server.close();
});

async function person(name: string): Promise<{ client: RawClient; id: string }> {
  const client = await RawClient.ws(server.wsUrl);
  open.push(client);
  const welcome = await client.hello(name);
  return { client, id: welcome['userId'] as string };
}

const roomIdOf = (result: Json): string => (result['room'] as Json)['id'] as string;

async function privateRoom(owner: RawClient, name = 'Private'): Promise<string> {
  return roomIdOf(await owner.ok('room.create', { name, visibility: 'private' }));
}

async function invite(client: RawClient, params: Json): Promise<Json> {
  return (await client.ok('invite.create', params))['invite'] as Json;
}

async function preview(code: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${server.httpUrl}/api/invites/${encodeURIComponent(code)}`);
  return { status: res.status, body: (await res.json()) as Json };
}

describe('invites', () => {
  test('a single-use invite admits one; the next one gets INVITE_INVALID used_up', async () => {
    const { client: owner, id: ownerId } = await person('Olga');
    const room = await privateRoom(owner);
    const created = await invite(owner, { room, kind: 'single' });
    assert.match(created['code'] as string, /^[A-Za-z0-9_-]{22}$/);
    assert.deepEqual(
      { ...created, code: '', createdAt: 0 },
      {
        code: '',
        room,
        kind: 'single',
        maxUses: 1,
        uses: 0,
        expiresAt: null,
        createdAt: 0,
        createdBy: { id: ownerId, name: 'Olga', avatar: `/avatars/${encodeURIComponent(ownerId)}.svg` },
        url: `/i/${String(created['code'])}`,
      },
    );

    const { client: ann } = await person('Ann');
    const { client: ben } = await person('Ben');
    assert.equal(
      (await ann.request('room.join', { room }))['code'],
      'FORBIDDEN',
      'private: no invite, no entry',
    );
    const joined = await ann.ok('room.join', { room, invite: created['code'] });
    assert.equal(joined['role'], 'guest');
    const refused = await ben.request('room.join', { room, invite: created['code'] });
    assert.equal(refused['code'], 'INVITE_INVALID');
    assert.equal(refused['reason'], 'used_up');
    // Ann is a member now: coming back through her spent invite needs no further use.
    assert.equal(roomIdOf(await ann.ok('room.join', { invite: created['code'] })), room);
  });

  test('a public invite admits up to maxUses; invite.list shows its uses', async () => {
    const { client: owner } = await person('Olga');
    const room = await privateRoom(owner);
    const pub = await invite(owner, { room, kind: 'public', maxUses: 2 });
    const unlimited = await invite(owner, { room, kind: 'public' });
    assert.equal(pub['maxUses'], 2);
    assert.equal(unlimited['maxUses'], null);
    for (const name of ['One', 'Two']) {
      const { client } = await person(name);
      await client.ok('room.join', { room, invite: pub['code'] });
    }
    const { client: three } = await person('Three');
    const refused = await three.request('room.join', { room, invite: pub['code'] });
    assert.deepEqual([refused['code'], refused['reason']], ['INVITE_INVALID', 'used_up']);
    await three.ok('room.join', { room, invite: unlimited['code'] });

    const listed = (await owner.ok('invite.list', { room }))['invites'] as Json[];
    assert.deepEqual(
      listed.map((i) => [i['code'], i['uses']]),
      [[unlimited['code'], 1]],
      'used-up invites are not listed',
    );
  });

  test('single-use invites refuse maxUses other than 1', async () => {
    const { client: owner } = await person('Olga');
    const room = await privateRoom(owner);
    const bad = await owner.request('invite.create', { room, kind: 'single', maxUses: 3 });
    assert.equal(bad['code'], 'INVALID_MESSAGE');
    assert.equal((await invite(owner, { room, kind: 'single', maxUses: 1 }))['maxUses'], 1);
  });

  test('an expired invite gets INVITE_INVALID expired, over the protocol and REST', async () => {
    const { client: owner } = await person('Olga');
    const room = await privateRoom(owner);
    const short = await invite(owner, { room, kind: 'public', expiresInSeconds: 1 });
    assert.ok((short['expiresAt'] as number) - (short['createdAt'] as number) === 1000);
    assert.equal((await preview(short['code'] as string)).status, 200);
    await new Promise((r) => setTimeout(r, 1_100));
    const { client: late } = await person('Late');
    const refused = await late.request('room.join', { invite: short['code'] });
    assert.deepEqual([refused['code'], refused['reason']], ['INVITE_INVALID', 'expired']);
    const rest = await preview(short['code'] as string);
    assert.equal(rest.status, 410);
    assert.equal(rest.body['code'], 'INVITE_INVALID');
    assert.equal(rest.body['reason'], 'expired');
    assert.deepEqual((await owner.ok('invite.list', { room }))['invites'], []);
  });

  test('revoking: the creator and an admin may; a plain member may not revoke another’s', async () => {
    const { client: owner } = await person('Olga');
    const room = await privateRoom(owner);
    const opener = await invite(owner, { room, kind: 'public' });
    const { client: adam, id: adamId } = await person('Adam');
    const { client: mia, id: miaId } = await person('Mia');
    const { client: max, id: maxId } = await person('Max');
    for (const c of [adam, mia, max]) await c.ok('room.join', { room, invite: opener['code'] });
    await owner.ok('room.role', { room, user: adamId, role: 'admin' });
    await owner.ok('room.role', { room, user: miaId, role: 'member' });
    await owner.ok('room.role', { room, user: maxId, role: 'member' });

    const mias = await invite(mia, { room, kind: 'single' });
    const maxs = await invite(max, { room, kind: 'single' });
    const refused = await mia.request('invite.revoke', { room, code: maxs['code'] });
    assert.equal(refused['code'], 'FORBIDDEN');
    assert.equal((await mia.request('invite.list', { room }))['code'], 'FORBIDDEN');
    await mia.ok('invite.revoke', { room, code: mias['code'] });
    await adam.ok('invite.revoke', { room, code: maxs['code'] });
    await adam.ok('invite.revoke', { room, code: maxs['code'] }); // again: no change, no error

    const { client: eve } = await person('Eve');
    for (const code of [mias['code'], maxs['code']]) {
      const r = await eve.request('room.join', { room, invite: code });
      assert.deepEqual([r['code'], r['reason']], ['INVITE_INVALID', 'revoked']);
      assert.equal((await preview(code as string)).status, 410);
    }
    const unknown = await adam.request('invite.revoke', { room, code: 'no-such-code' });
    assert.deepEqual([unknown['code'], unknown['reason']], ['INVITE_INVALID', 'not_found']);
    // A code of another room is "not found" here, not revocable from here.
    const other = await privateRoom(owner, 'Other');
    const elsewhere = await invite(owner, { room: other, kind: 'single' });
    const cross = await adam.request('invite.revoke', { room, code: elsewhere['code'] });
    assert.deepEqual([cross['code'], cross['reason']], ['INVITE_INVALID', 'not_found']);
    const crossJoin = await eve.request('room.join', { room, invite: elsewhere['code'] });
    assert.deepEqual([crossJoin['code'], crossJoin['reason']], ['INVITE_INVALID', 'not_found']);
    assert.deepEqual(
      ((await owner.ok('invite.list', { room }))['invites'] as Json[]).map((i) => i['code']),
      [opener['code']],
    );
  });

  test('join by invite alone, without knowing the room id', async () => {
    const { client: owner } = await person('Olga');
    const room = await privateRoom(owner, 'Hidden');
    const single = await invite(owner, { room, kind: 'single' });
    const { client: guest } = await person('Gil');
    const joined = await guest.ok('room.join', { invite: single['code'] });
    assert.equal(roomIdOf(joined), room);
    assert.equal((joined['room'] as Json)['name'], 'Hidden');
    const event = await owner.event('member.joined');
    assert.equal((event['user'] as Json)['name'], 'Gil');
    const nope = await guest.request('room.join', { invite: 'AAAAAAAAAAAAAAAAAAAAAA' });
    assert.deepEqual([nope['code'], nope['reason']], ['INVITE_INVALID', 'not_found']);
  });

  test('an invite to an unnamed room dies with the room', async () => {
    const { client: owner } = await person('Olga');
    const room = roomIdOf(await owner.ok('room.create'));
    const pub = await invite(owner, { room, kind: 'public' });
    const { client: ann } = await person('Ann');
    const joined = await ann.ok('room.join', { invite: pub['code'] });
    assert.equal(joined['role'], 'member', 'unnamed rooms have no guests');
    assert.equal((await preview(pub['code'] as string)).status, 200);
    await ann.ok('room.leave', { room });
    await owner.ok('room.leave', { room });
    // Purged: the room and its invites are gone, in memory and in the store.
    assert.equal(await server.server.store.invites.getInvite(pub['code'] as string), undefined);
    const r = await ann.request('room.join', { invite: pub['code'] });
    assert.deepEqual([r['code'], r['reason']], ['INVITE_INVALID', 'not_found']);
    const rest = await preview(pub['code'] as string);
    assert.deepEqual([rest.status, rest.body['reason']], [404, 'not_found']);
  });

  test('the REST preview shows the room and the inviter, not the room id', async () => {
    const { client: owner } = await person('Olga');
    const room = roomIdOf(
      await owner.ok('room.create', { name: 'Book club', topic: 'June: Dune', visibility: 'private' }),
    );
    const { client: ann } = await person('Ann');
    const opener = await invite(owner, { room, kind: 'public' });
    await ann.ok('room.join', { room, invite: opener['code'] });
    const single = await invite(owner, { room, kind: 'single', expiresInSeconds: 3600 });
    const res = await fetch(`${server.httpUrl}/api/invites/${String(single['code'])}`);
    const text = await res.text();
    assert.equal(res.status, 200);
    assert.ok(!text.includes(room), 'the room id stays hidden');
    const avatar = ((single['createdBy'] as Json)['avatar'] as string) ?? '';
    assert.deepEqual(JSON.parse(text), {
      room: { name: 'Book club', topic: 'June: Dune', memberCount: 2 },
      invitedBy: { name: 'Olga', avatar },
      kind: 'single',
      expiresAt: single['expiresAt'],
      valid: true,
    });
    // Previewing does not use it: it still admits one.
    const { client: ben } = await person('Ben');
    await ben.ok('room.join', { invite: single['code'] });

    for (const bad of ['no-such-code', 'not a code!', 'x'.repeat(65)]) {
      const r = await preview(bad);
      assert.deepEqual([r.status, r.body['code'], r.body['reason']], [404, 'INVITE_INVALID', 'not_found']);
    }
    const used = await preview(single['code'] as string);
    assert.deepEqual([used.status, used.body['reason']], [410, 'used_up']);
  });
});

describe('room.remove', () => {
  test('removes the member for good: event, no more delivery, stored membership gone', async () => {
    const { client: owner } = await person('Olga');
    const room = await privateRoom(owner, 'Removal');
    const opener = await invite(owner, { room, kind: 'public', maxUses: 2 });
    const { client: bob, id: bobId } = await person('Bob');
    const { client: bob2 } = await person('Bystander');
    await bob.ok('room.join', { room, invite: opener['code'] });
    await bob2.ok('room.join', { room, invite: opener['code'] });

    await owner.ok('room.remove', { room, user: bobId });
    for (const c of [owner, bob, bob2]) {
      const left = await c.event('member.left');
      assert.equal((left['user'] as Json)['id'], bobId);
      assert.equal(left['reason'], 'removed');
    }
    // Bob receives nothing more of the room and can do nothing in it.
    await owner.ok('chat.send', { room, text: 'after Bob' });
    await bob2.event('message', (m) => m['text'] === 'after Bob');
    await bob.ok('ping');
    assert.equal(
      bob.received.find((m) => m['type'] === 'message'),
      undefined,
      'the removed session gets no more events of the room',
    );
    assert.equal((await bob.request('chat.send', { room, text: 'hello?' }))['code'], 'NOT_IN_ROOM');
    assert.equal((await bob.request('room.leave', { room }))['code'], 'NOT_IN_ROOM');
    assert.equal(await server.server.store.getMember(room, bobId), undefined);
    assert.deepEqual((await bob.ok('rooms.mine'))['rooms'], []);
    const members = (await owner.ok('room.join', { room }))['members'] as Json[];
    assert.ok(!members.some((m) => m['id'] === bobId));

    // Back into a private room only with a new invite (the old one is used up anyway).
    assert.equal((await bob.request('room.join', { room }))['code'], 'FORBIDDEN');
    const again = await invite(owner, { room, kind: 'single' });
    const rejoined = await bob.ok('room.join', { room, invite: again['code'] });
    assert.equal(rejoined['role'], 'guest');
    await owner.ok('chat.send', { room, text: 'welcome back' });
    await bob.event('message', (m) => m['text'] === 'welcome back');
  });

  test('every session of the removed user leaves, and recovery does not bring it back', async () => {
    // A short grace period, so that one token can open two sessions of the same user: once its
    // session has expired, every hello with it starts a new session of that user.
    const srv = await startTestServer({ ...FAST, sessionGraceMs: 100 });
    const clients: RawClient[] = [];
    const connect = async (tcp = false): Promise<RawClient> => {
      const client = tcp ? await RawClient.tcp(srv.tcp.port) : await RawClient.ws(srv.wsUrl);
      clients.push(client);
      return client;
    };
    try {
      const owner = await connect();
      await owner.hello('Olga');
      const room = await privateRoom(owner, 'Two sessions');
      const opener = await invite(owner, { room, kind: 'public' });
      const once = await connect();
      const token = (await once.hello('Dan'))['token'];
      once.close();
      await new Promise((r) => setTimeout(r, 300));
      const first = await connect();
      const second = await connect(true);
      const a = await first.hello('Dan', { token });
      const b = await second.hello('Dan', { token });
      assert.equal(a['userId'], b['userId']);
      assert.notEqual(a['sessionId'], b['sessionId']);
      const danId = a['userId'] as string;
      const joined = await first.ok('room.join', { room, invite: opener['code'] });
      await second.ok('room.join', { room });
      const info = joined['room'] as Json;
      const position = { room, epoch: info['epoch'], seq: info['seq'] };

      await owner.ok('room.remove', { room, user: danId });
      await first.event('member.left');
      await second.event('member.left');
      await owner.ok('chat.send', { room, text: 'not for Dan' });
      await first.ok('ping');
      await second.ok('ping');
      for (const c of [first, second])
        assert.equal(
          c.received.find((m) => m['type'] === 'message'),
          undefined,
        );

      // Reconnecting with his position (the session resumed) does not rejoin him: it is private.
      first.close();
      const back = await connect();
      const resumed = await back.hello('Dan', { token: a['token'], rooms: [position] });
      assert.equal(resumed['resumed'], true);
      assert.deepEqual(
        (resumed['rooms'] as Json[]).map((r) => [r['room'], r['recovered'], r['code']]),
        [[room, false, 'FORBIDDEN']],
      );
    } finally {
      for (const c of clients) c.close();
      await srv.close();
    }
  });

  test('removal needs the right role and a member to remove', async () => {
    const { client: owner, id: ownerId } = await person('Olga');
    const room = await privateRoom(owner, 'Guarded');
    const opener = await invite(owner, { room, kind: 'public' });
    const { client: amy, id: amyId } = await person('Amy');
    const { client: gus, id: gusId } = await person('Gus');
    await amy.ok('room.join', { room, invite: opener['code'] });
    await gus.ok('room.join', { room, invite: opener['code'] });
    await owner.ok('room.role', { room, user: amyId, role: 'admin' });
    assert.equal((await gus.request('room.remove', { room, user: amyId }))['code'], 'FORBIDDEN');
    assert.equal((await amy.request('room.remove', { room, user: ownerId }))['code'], 'FORBIDDEN');
    assert.equal((await owner.request('room.remove', { room, user: ownerId }))['code'], 'FORBIDDEN');
    const nobody = await owner.request('room.remove', { room, user: '~nobody@localhost' });
    assert.equal(nobody['code'], 'NOT_IN_ROOM');
    await amy.ok('room.remove', { room, user: gusId });
    const left = await owner.event('member.left');
    assert.deepEqual([(left['user'] as Json)['id'], left['reason']], [gusId, 'removed']);
  });
});
