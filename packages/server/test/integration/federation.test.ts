import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { authorize } from '../../src/federation/request-signing.js';
import { ServerKeys } from '../../src/federation/server-keys.js';
import type { TestServer } from '../../../../test/harness.js';
import type { RawClient } from '../../../../test/raw-client.js';
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
    await seesState(sg, hal.id, 'unknown', 5_000);
    const took = Date.now() - killedAt;
    assert.ok(took < 3_000, `unknown after ${took} ms`);

    c = await spawnFederated(plan, 'c.test', c.dataDir);
    sh = await session(c.tcpPort, hal);
    await sh.ok('presence.subscribe');
    await seesState(sg, hal.id, 'online', 8_000);
    await sh.ok('presence.set', { state: 'away' });
    await seesState(sg, hal.id, 'away');
    await until('Hal sees Gus again', () => entries(sh, gus.id).at(-1)?.['state'] === 'online');
  });
});
