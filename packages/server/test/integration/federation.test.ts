import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { authorize } from '../../src/federation/request-signing.js';
import { ServerKeys } from '../../src/federation/server-keys.js';
import type { TestServer } from '../../../../test/harness.js';
import { RawClient } from '../../../../test/raw-client.js';
import type { ServerProcess } from '../../../../test/server-process.js';
import {
  befriend,
  connect,
  entries,
  planServers,
  register,
  seesState,
  spawnFederated,
  startFederated,
  until,
  type Account,
  type Cluster,
} from './federation-kit.js';

/**
 * Three federated servers on loopback with different domains, found through the static map:
 * a.test and b.test in this process, c.test in a child process so that it can be killed.
 */
describe('federation: three servers', () => {
  let plan: Cluster;
  let a: TestServer;
  let b: TestServer;
  let c: ServerProcess & { dataDir: string };
  const open: RawClient[] = [];
  const session = async (port: number, who: Account): Promise<RawClient> => {
    const s = await connect(port, who);
    open.push(s);
    return s;
  };

  before(async () => {
    plan = await planServers(['a.test', 'b.test', 'c.test']);
    a = await startFederated(plan, 'a.test');
    b = await startFederated(plan, 'b.test', { federationDeny: ['evil.test'] });
    c = await spawnFederated(plan, 'c.test');
  });
  after(async () => {
    for (const s of open) s.close();
    await a.close();
    await b.close();
    c.child.kill('SIGKILL');
    await c.exited;
    await rm(c.dataDir, { recursive: true, force: true });
  });

  test('each server publishes its domain, federation URL and Ed25519 key at the well-known URL', async () => {
    const doc = (await (await fetch(`${b.httpUrl}/.well-known/presence/server`)).json()) as {
      server: string;
      federationUrl: string;
      keys: Record<string, { key: string; expiredAt: number | null }>;
    };
    assert.equal(doc.server, 'b.test');
    assert.equal(doc.federationUrl, b.httpUrl);
    const keys = Object.entries(doc.keys);
    assert.equal(keys.length, 1);
    assert.match(keys[0]?.[0] ?? '', /^ed25519:/);
    assert.equal(Buffer.from(keys[0]?.[1].key ?? '', 'base64url').length, 32);
    assert.equal(keys[0]?.[1].expiredAt, null);
  });

  test('a contact across servers: request, accept, then presence crosses both ways and follows changes', async () => {
    const alice = await register(a.httpUrl, 'Alice');
    const bob = await register(b.httpUrl, 'Bob');
    assert.match(alice.id, /@a\.test$/);
    assert.match(bob.id, /@b\.test$/);
    const sa = await session(a.tcp.port, alice);
    const sb = await session(b.tcp.port, bob);
    await sa.ok('presence.subscribe');
    await sb.ok('presence.subscribe');
    await befriend(sa, alice.id, sb, bob.id);

    await seesState(sa, bob.id, 'online');
    await seesState(sb, alice.id, 'online');
    const list = await sa.ok('contacts.list');
    assert.deepEqual(
      (list['contacts'] as { user: { id: string; name: string } }[]).map((x) => [x.user.id, x.user.name]),
      [[bob.id, 'Bob']],
    );

    await sb.ok('presence.set', { state: 'busy', status: 'on a call' });
    await seesState(sa, bob.id, 'busy');
    assert.equal(entries(sa, bob.id).at(-1)?.['status'], 'on a call');

    // A fresh subscription on A shows the remote contact from what A last heard.
    const again = await session(a.tcp.port, alice);
    const snap = (await again.ok('presence.subscribe'))['presence'] as { user: string; state: string }[];
    assert.equal(snap.find((u) => u.user === bob.id)?.state, 'busy');
  });

  test("visibility is the watched user's server's: a stranger on A never gets B's user", async () => {
    const carol = await register(a.httpUrl, 'Carol');
    const dan = await register(b.httpUrl, 'Dan');
    const erin = await register(a.httpUrl, 'Erin');
    const sc = await session(a.tcp.port, carol);
    const sd = await session(b.tcp.port, dan);
    const se = await session(a.tcp.port, erin);
    await sc.ok('presence.subscribe');
    await sd.ok('presence.subscribe');
    await se.ok('presence.subscribe');
    await befriend(se, erin.id, sd, dan.id);
    await seesState(se, dan.id, 'online');
    await sd.ok('presence.set', { state: 'chatty' });
    await seesState(se, dan.id, 'chatty');
    assert.equal(entries(sc, dan.id).length, 0, 'Carol is no contact of Dan: nothing about him');
  });

  test('over HTTP: forged signature, unknown key, replay and a deny-listed domain are refused; a subscribe gets only what the watcher may see', async () => {
    const url = `${b.httpUrl}/_federation/v1/presence`;
    const path = '/_federation/v1/presence';
    // Signing as A with A's own key file: what server A itself would send.
    const aKeys = new ServerKeys({ dataDir: a.dataDir });
    const post = async (authorization: string | undefined, body: object) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const ivy = await register(a.httpUrl, 'Ivy');
    const jon = await register(b.httpUrl, 'Jon');
    const body = { boot: 'test', subscribe: [{ watcher: ivy.id, targets: [jon.id] }] };
    const signed = (origin = 'a.test', keys = aKeys, what: object = body) =>
      authorize(keys, { method: 'POST', path, origin, destination: 'b.test', body: what });

    const header = signed();
    const ok = await post(header, body);
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body['push'], [], 'Ivy is no contact of Jon: B tells A nothing about him');
    assert.deepEqual((await post(header, body)).body['code'], 'REPLAYED');
    const tampered = await post(signed(), {
      ...body,
      subscribe: [{ watcher: ivy.id, targets: [jon.id, 'x@b.test'] }],
    });
    assert.deepEqual([tampered.status, tampered.body['code']], [401, 'BAD_SIGNATURE']);
    const forger = new ServerKeys({ dataDir: await mkdtemp(join(tmpdir(), 'presence-forger-')) });
    const forged = signed('a.test', forger).replace(/key="[^"]+"/, `key="${aKeys.currentKeyId}"`);
    assert.deepEqual((await post(forged, body)).body['code'], 'BAD_SIGNATURE');
    assert.deepEqual((await post(signed('a.test', forger), body)).body['code'], 'UNKNOWN_KEY');
    const denied = await post(signed('evil.test', forger), body);
    assert.deepEqual([denied.status, denied.body['code']], [403, 'DOMAIN_REFUSED']);
    assert.deepEqual((await post(undefined, body)).body['code'], 'UNSIGNED');
    const bad = await post(signed('a.test', aKeys, { nonsense: true }), { nonsense: true });
    assert.deepEqual([bad.status, bad.body['code']], [400, 'BAD_FEDERATION_REQUEST']);
    // A server speaks only for its own users: A pushing a state for a user of C is ignored.
    const sj = await session(b.tcp.port, jon);
    await sj.ok('presence.subscribe');
    const spoof = {
      boot: 'test',
      push: [
        {
          user: { user: 'mallory@c.test', state: 'online', status: null, mobile: false, lastActive: null },
          to: [jon.id],
        },
      ],
    };
    assert.equal((await post(signed('a.test', aKeys, spoof), spoof)).status, 200);
    await sj.ok('ping');
    assert.equal(entries(sj, 'mallory@c.test').length, 0);
  });

  test('remote contacts: deny, remove (presence goes unknown), and a block never reaches the other server', async () => {
    const kim = await register(a.httpUrl, 'Kim');
    const lou = await register(b.httpUrl, 'Lou');
    const sk = await session(a.tcp.port, kim);
    const sl = await session(b.tcp.port, lou);
    await sk.ok('presence.subscribe');
    await sl.ok('presence.subscribe');
    // Deny: Kim hears `denied`, and nobody is anybody's contact.
    await sk.ok('contacts.request', { user: lou.id });
    await sl.event('contact', (m) => m['kind'] === 'request');
    await sl.ok('contacts.deny', { user: kim.id });
    await sk.event('contact', (m) => m['kind'] === 'denied' && (m['user'] as { id: string }).id === lou.id);
    assert.deepEqual((await sk.ok('contacts.list'))['outgoing'], []);
    // Accepted, then removed by Lou: Kim hears `removed` and Lou's presence becomes unknown to her.
    await befriend(sk, kim.id, sl, lou.id);
    await seesState(sk, lou.id, 'online');
    await sl.ok('contacts.remove', { user: kim.id });
    await sk.event('contact', (m) => m['kind'] === 'removed');
    await seesState(sk, lou.id, 'unknown');
    assert.deepEqual((await sk.ok('contacts.list'))['contacts'], []);
    // Auto-accept across servers: Lou asks, then Kim asks back, and both are contacts at once.
    await sl.ok('contacts.request', { user: kim.id });
    await sk.event('contact', (m) => m['kind'] === 'request');
    assert.deepEqual(await sk.ok('contacts.request', { user: lou.id }), { status: 'accepted' });
    await sl.event('contact', (m) => m['kind'] === 'accepted');
    await seesState(sk, lou.id, 'online');
    // Lou blocks Kim: A is told of a removal only; Kim's next request looks pending, Lou hears nothing.
    await sl.ok('contacts.block', { user: kim.id });
    await sk.event('contact', (m) => m['kind'] === 'removed');
    assert.deepEqual(await sk.ok('contacts.request', { user: lou.id, message: 'again?' }), {
      status: 'pending',
    });
    await sl.ok('ping');
    assert.equal(sl.received.filter((m) => m['type'] === 'contact' && m['kind'] === 'request').length, 0);
    await seesState(sk, lou.id, 'unknown');
  });

  test("a user of A joins a private room on B with A's assertion, chats, is recovered after a reconnect; B's roles apply", async () => {
    const mia = await register(a.httpUrl, 'Mia');
    const ned = await register(b.httpUrl, 'Ned');
    const home = await session(a.tcp.port, mia);
    const owner = await session(b.tcp.port, ned);
    const room = (await owner.ok('room.create', { name: 'Across', visibility: 'private' }))['room'] as Record<
      string,
      unknown
    >;
    const roomId = room['id'] as string;
    const code = (
      (await owner.ok('invite.create', { room: roomId, kind: 'public' }))['invite'] as Record<string, unknown>
    )['code'];

    const { assertion, expiresAt } = (await home.ok('federation.assertion', { server: 'b.test' })) as {
      assertion: string;
      expiresAt: number;
    };
    assert.ok(expiresAt - Date.now() <= 60_000);
    // A tampered assertion (another name) and one for another server are refused.
    const [head, sig] = assertion.slice(5).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(head, 'base64url').toString()) as Record<string, unknown>;
    const forged = `fed1.${Buffer.from(JSON.stringify({ ...claims, sub: ned.id.replace('@b.test', '@a.test') })).toString('base64url')}.${sig}`;
    const f = await RawClient.tcp(b.tcp.port);
    open.push(f);
    assert.equal((await f.hello('x', { token: forged }))['resumeError'] !== undefined, true);
    const forC = (await home.ok('federation.assertion', { server: 'c.test' }))['assertion'] as string;
    const f2 = await RawClient.tcp(b.tcp.port);
    open.push(f2);
    assert.notEqual((await f2.hello('x', { token: forC }))['userId'], mia.id);

    const away = await RawClient.tcp(b.tcp.port);
    open.push(away);
    const welcome = await away.hello('ignored', { token: assertion });
    assert.equal(welcome['userId'], mia.id, 'a session on B as the user of A');
    assert.equal(welcome['name'], 'Mia');
    assert.equal(welcome['resumeError'], undefined);
    // Each assertion works once.
    const again = await RawClient.tcp(b.tcp.port);
    open.push(again);
    assert.notEqual((await again.hello('x', { token: assertion }))['userId'], mia.id);

    await away.ok('room.join', { room: roomId, invite: code });
    await away.ok('chat.send', { room: roomId, text: 'hello from a.test' });
    await owner.event(
      'message',
      (m) => m['text'] === 'hello from a.test' && (m['from'] as { id: string }).id === mia.id,
    );
    // Presence in the room: the owner sees her (her session on B), she sees him.
    await owner.ok('presence.subscribe');
    const snap = (await away.ok('presence.subscribe'))['presence'] as { user: string; state: string }[];
    assert.equal(snap.find((u) => u.user === ned.id)?.state, 'online');
    // Contacts stay with her home server.
    assert.equal((await away.request('contacts.request', { user: ned.id }))['code'], 'FORBIDDEN');

    // Reconnect with B's session token: the room log replays what she missed.
    const last = Math.max(
      ...away.received
        .filter((m) => m['room'] === roomId && typeof m['seq'] === 'number')
        .map((m) => m['seq'] as number),
    );
    away.close();
    await owner.ok('chat.send', { room: roomId, text: 'while you were away' });
    const back = await RawClient.tcp(b.tcp.port);
    open.push(back);
    const resumed = await back.hello('x', {
      token: welcome['token'],
      rooms: [{ room: roomId, epoch: room['epoch'], seq: last }],
    });
    assert.equal(resumed['userId'], mia.id);
    assert.deepEqual((resumed['rooms'] as Record<string, unknown>[])[0]?.['recovered'], true);
    await back.event('message', (m) => m['text'] === 'while you were away');

    // B's roles apply: the owner removes her, and the private room is closed to her again.
    await owner.ok('room.remove', { room: roomId, user: mia.id });
    const rejoin = await back.request('room.join', { room: roomId });
    assert.equal(rejoin['code'], 'FORBIDDEN');
  });

  test("the federated directory lists the other servers' public rooms, marked with their server, and not private ones", async () => {
    const oz = await register(b.httpUrl, 'Oz');
    const so = await session(b.tcp.port, oz);
    await so.ok('room.create', { name: 'Border crossing', topic: 'rooms of b.test', visibility: 'public' });
    await so.ok('room.create', { name: 'Border secret', visibility: 'private' });
    const viewer = await session(a.tcp.port, await register(a.httpUrl, 'Pat'));
    let servers: { server: string; url: string; rooms: { name: string | null }[] }[] = [];
    const end = Date.now() + 20_000;
    while (!servers.some((s) => s.server === 'b.test')) {
      if (Date.now() > end) throw new Error(`B's room never listed: ${JSON.stringify(servers)}`);
      servers = (await viewer.ok('federation.directory', { query: 'border' }))['servers'] as typeof servers;
      if (!servers.some((s) => s.server === 'b.test')) await new Promise((r) => setTimeout(r, 100));
    }
    const fromB = servers.find((s) => s.server === 'b.test');
    assert.equal(fromB?.url, b.httpUrl);
    assert.deepEqual(
      fromB?.rooms.map((r) => r.name),
      ['Border crossing'],
    );
    assert.ok(!servers.some((s) => s.server === 'a.test'), "A's own rooms are in rooms.directory, not here");
  });

  test('a contact request to a user that does not exist on the other server is USER_NOT_FOUND', async () => {
    const fay = await register(a.httpUrl, 'Fay');
    const sf = await session(a.tcp.port, fay);
    const reply = await sf.request('contacts.request', { user: 'nobody@b.test' });
    assert.equal(reply['code'], 'USER_NOT_FOUND');
    const unreachable = await sf.request('contacts.request', { user: 'someone@nowhere.invalid' });
    assert.equal(unreachable['code'], 'SERVER_UNAVAILABLE');
  });

  test('a server killed: its users become unknown after the watchdog, and come back when it returns', async () => {
    const gus = await register(a.httpUrl, 'Gus');
    const cUrl = `http://127.0.0.1:${c.httpPort}`;
    const hal = await register(cUrl, 'Hal');
    assert.match(hal.id, /@c\.test$/);
    const sg = await session(a.tcp.port, gus);
    let sh = await session(c.tcpPort, hal);
    await sg.ok('presence.subscribe');
    await sh.ok('presence.subscribe');
    await befriend(sg, gus.id, sh, hal.id);
    await seesState(sg, hal.id, 'online');

    const killedAt = Date.now();
    c.child.kill('SIGKILL');
    await c.exited;
    // Short watchdog 600 ms (±10%), then a reminder that fails: unknown.
    await seesState(sg, hal.id, 'unknown', 12_000);
    const took = Date.now() - killedAt;
    assert.ok(took < 10_000, `unknown after ${took} ms`);

    c = await spawnFederated(plan, 'c.test', c.dataDir);
    sh = await session(c.tcpPort, hal);
    await sh.ok('presence.subscribe');
    await seesState(sg, hal.id, 'online', 30_000);
    await sh.ok('presence.set', { state: 'away' });
    await seesState(sg, hal.id, 'away');
    await until('Hal sees Gus again', () => entries(sh, gus.id).at(-1)?.['state'] === 'online');
  });
});
