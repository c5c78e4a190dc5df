import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { DirectoryRoom } from '@presence/protocol';
import { FederatedDirectory } from '../../src/federation/federated-directory.js';
import { FederationError } from '../../src/federation/federation-errors.js';
import { FederationGuard } from '../../src/federation/federation-guard.js';
import type { FederationTransport } from '../../src/federation/federation-transport.js';
import { ServerKeys } from '../../src/federation/server-keys.js';
import { roomLiveOf } from '../../src/live/room-live.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function keys(): Promise<ServerKeys> {
  const d = await mkdtemp(join(tmpdir(), 'presence-dir-'));
  dirs.push(d);
  return new ServerKeys({ dataDir: d });
}

const room = (id: string, name: string, live?: DirectoryRoom['live']): DirectoryRoom => ({
  id,
  name,
  topic: '',
  visibility: 'public',
  persistent: true,
  epoch: 'qc7vk4qihsnr',
  seq: 1,
  createdAt: 1_764_770_000_000,
  memberCount: 2,
  ...(live ? { live } : {}),
});

test('a room is live while a source is on its stage (stream) or anyone is in its call', () => {
  const stage = { state: 'live' as const, source: null, viewers: 7, since: 1000 };
  assert.deepEqual(roomLiveOf({ participants: 8, startedAt: 500 }, stage), {
    kind: 'stream',
    viewers: 7,
    since: 1000,
  });
  // A streaming room waiting for its source (or whose source ended) shows nothing live.
  assert.equal(
    roomLiveOf({ participants: 3, startedAt: 500 }, { ...stage, state: 'waiting', since: null }),
    null,
  );
  assert.equal(
    roomLiveOf({ participants: 3, startedAt: 500 }, { ...stage, state: 'ended', since: null }),
    null,
  );
  assert.deepEqual(roomLiveOf({ participants: 2, startedAt: 500 }, null), {
    kind: 'call',
    participants: 2,
    since: 500,
  });
  assert.equal(roomLiveOf({ participants: 0, startedAt: 500 }, null), null);
  assert.equal(roomLiveOf(null, null), null);
});

/**
 * b.test publishes; a.test fetches through `reach` (what b.test's reply looks like after a JSON
 * round trip, or nothing when b.test is "down"), on a clock the test moves.
 */
async function pair(opts: { freshMs: number }) {
  const bKeys = await keys();
  let rooms: DirectoryRoom[] = [];
  let clock = 1_764_770_000_000;
  let down = false;
  let tamper: ((reply: Record<string, unknown>) => Record<string, unknown>) | null = null;
  let fetches = 0;
  const guard = new FederationGuard({ allow: [], deny: [], self: 'a.test' });
  const b = new FederatedDirectory({
    domain: 'b.test',
    publicUrl: 'http://b.test:1',
    keys: bKeys,
    peers: {
      keyOf: () => Promise.reject(new Error('unused')),
      document: () => Promise.reject(new Error('unused')),
    },
    transport: { send: () => Promise.reject(new Error('unused')) },
    guard: new FederationGuard({ allow: [], deny: [], self: 'b.test' }),
    listLocal: () => Promise.resolve(rooms),
    known: () => [],
    refreshMs: 3_600_000,
    freshMs: opts.freshMs,
    now: () => clock,
  });
  const transport: FederationTransport = {
    send: async (destination, kind) => {
      assert.equal(destination, 'b.test');
      assert.equal(kind, 'directory');
      fetches++;
      if (down) throw new FederationError('PEER_UNREACHABLE', 'b.test: down');
      const reply = JSON.parse(JSON.stringify(await b.publish())) as Record<string, unknown>;
      return tamper ? tamper(reply) : reply;
    },
  };
  const a = new FederatedDirectory({
    domain: 'a.test',
    publicUrl: '',
    keys: await keys(),
    peers: {
      keyOf: (_d, id) => Promise.resolve(bKeys.published()[id]),
      document: () => Promise.resolve({ server: 'b.test', federationUrl: 'http://b.test:1', keys: {} }),
    },
    transport,
    guard,
    listLocal: () => Promise.resolve([]),
    known: () => ['b.test'],
    refreshMs: 3_600_000,
    freshMs: opts.freshMs,
    now: () => clock,
  });
  return {
    a,
    b,
    bKeys,
    setRooms: (r: DirectoryRoom[]) => (rooms = r),
    advance: (ms: number) => (clock += ms),
    setDown: (d: boolean) => (down = d),
    setTamper: (t: typeof tamper) => (tamper = t),
    fetches: () => fetches,
    close: () => {
      a.close();
      b.close();
    },
  };
}

test('live rooms come first with their live mark; a list past the freshness window is fetched again, and shows no marks while its server is down', async () => {
  const p = await pair({ freshMs: 30_000 });
  try {
    p.setRooms([
      room('aaaaaaaaaaaaaaaa', 'Quiet'),
      room('bbbbbbbbbbbbbbbb', 'On air', { kind: 'stream', viewers: 12, since: 1_764_769_990_000 }),
    ]);
    const [first] = await p.a.list('');
    assert.equal(first?.server, 'b.test');
    assert.deepEqual(
      first?.rooms.map((r) => [r.name, r.live?.kind ?? null]),
      [
        ['On air', 'stream'],
        ['Quiet', null],
      ],
    );
    // Within the window a search is served from the cache.
    p.advance(10_000);
    await p.a.list('');
    assert.equal(p.fetches(), 1);

    // The stream ends; past the window the next search fetches the list again.
    p.setRooms([room('aaaaaaaaaaaaaaaa', 'Quiet'), room('bbbbbbbbbbbbbbbb', 'On air')]);
    p.advance(25_000);
    const [again] = await p.a.list('');
    assert.equal(p.fetches(), 2);
    assert.equal(
      again?.rooms.some((r) => r.live),
      false,
    );

    // Live again, then b.test goes down: the last list stays, without its live marks once stale.
    p.setRooms([room('bbbbbbbbbbbbbbbb', 'On air', { kind: 'call', participants: 3, since: 1 })]);
    p.advance(31_000);
    assert.equal((await p.a.list(''))[0]?.rooms[0]?.live?.kind, 'call');
    p.setDown(true);
    p.advance(31_000);
    const [stale] = await p.a.list('');
    assert.equal(p.fetches(), 4);
    assert.deepEqual(
      stale?.rooms.map((r) => [r.name, r.live ?? null]),
      [['On air', null]],
    );
    // A dead peer is asked again at most once per window, however many searches there are.
    await p.a.list('');
    await p.a.list('air');
    assert.equal(p.fetches(), 4);
  } finally {
    p.close();
  }
});

test("the signature is checked on the list's bytes as received: a newer server's extra fields verify, a changed byte does not", async () => {
  const p = await pair({ freshMs: 30_000 });
  try {
    p.setRooms([room('aaaaaaaaaaaaaaaa', 'Plain')]);
    const signed = await p.b.publish();
    assert.equal(typeof signed.list, 'string');
    assert.deepEqual(Object.keys(signed).sort(), ['key', 'list', 'sig']);

    // A newer server lists fields this one does not know (inside rooms and at the top): the
    // signature covers its bytes, so the list verifies; the unknown fields are not passed on.
    p.setTamper(() => {
      const list = JSON.stringify({
        server: 'b.test',
        url: 'http://b.test:1',
        rooms: [{ ...room('cccccccccccccccc', 'From the future'), badge: 'gold' }],
        generatedAt: 1,
        region: 'eu',
      });
      return { list, key: p.bKeys.currentKeyId, sig: p.bKeys.sign(`presence-directory\n${list}`) };
    });
    const [future] = await p.a.list('');
    assert.deepEqual(
      future?.rooms.map((r) => r.name),
      ['From the future'],
    );
    assert.equal('badge' in (future?.rooms[0] ?? {}), false);

    // One changed byte (a room renamed in transit), or a signature made over the parsed form
    // rather than the text: refused, and the last good list stays.
    p.advance(31_000);
    p.setTamper((reply) => ({ ...reply, list: (reply['list'] as string).replace('Plain', 'Pla1n') }));
    assert.deepEqual(
      (await p.a.list(''))[0]?.rooms.map((r) => r.name),
      ['From the future'],
    );
    p.advance(31_000);
    p.setTamper((reply) => {
      const text = reply['list'] as string;
      const spaced = JSON.stringify(JSON.parse(text), null, 1);
      return { ...reply, list: spaced };
    });
    assert.deepEqual(
      (await p.a.list(''))[0]?.rooms.map((r) => r.name),
      ['From the future'],
    );
    // Signed by b.test but claiming to be another server: refused too.
    p.advance(31_000);
    p.setTamper(() => {
      const list = JSON.stringify({
        server: 'c.test',
        url: '',
        rooms: [room('dddddddddddddddd', 'Impostor')],
        generatedAt: 1,
      });
      return { list, key: p.bKeys.currentKeyId, sig: p.bKeys.sign(`presence-directory\n${list}`) };
    });
    assert.deepEqual(
      (await p.a.list(''))[0]?.rooms.map((r) => r.name),
      ['From the future'],
    );
    // Untampered again: the current list replaces it.
    p.advance(31_000);
    p.setTamper(null);
    assert.deepEqual(
      (await p.a.list(''))[0]?.rooms.map((r) => r.name),
      ['Plain'],
    );
  } finally {
    p.close();
  }
});
