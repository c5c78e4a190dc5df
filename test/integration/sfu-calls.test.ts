// test-needs: janus
/**
 * Calls on the SFU through the server, with werift participants (no browser needed to prove the
 * signaling): `auto` mode with liveMeshMax 2 moves a call to Janus on the 3rd live.join and
 * everyone gets everyone's media on one subscriber PeerConnection; owners choose the mode, others
 * get FORBIDDEN; Janus killed mid-call → the server re-creates the room, clients publish again and
 * media flows again (timed); a participant leaving drops out of everyone's subscription. Inside a
 * network namespace with a veth pair (Janus sends no media over loopback).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../harness.js';
import { inLoopbackNamespace, runInLoopbackNamespace, SFU_VETH } from '../e2e/netns.js';
import { RawClient, type Json } from '../raw-client.js';
import { SfuPeer } from '../sfu-peer.js';
import { Vp8Source } from '../werift-peers.js';

const FILE = fileURLToPath(import.meta.url);

if (!inLoopbackNamespace()) {
  test('SFU calls through the server, inside a network namespace', { timeout: 180_000 }, async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const { code, output } = await runInLoopbackNamespace(relative(root, FILE), { veth: true });
    assert.equal(code, 0, 'the SFU call tests passed inside the namespace (their output is above)');
    const count = (label: string): number => Number(new RegExp(`ℹ ${label} (\\d+)`).exec(output)?.[1] ?? -1);
    assert.ok(count('tests') >= 4 && count('pass') === count('tests'), 'every SFU call test ran and passed');
  });
} else {
  sfuCallTests();
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Tracks of a peer's subscriber that received RTP since `since` (counts are cumulative). */
function liveTracks(peer: SfuPeer): number {
  return [...(peer.subscriber?.packets.values() ?? [])].filter((n) => n > 0).length;
}

function sfuCallTests(): void {
  let srv: TestServer;
  let source: Vp8Source;
  const peers: SfuPeer[] = [];
  let room = '';
  const clients: RawClient[] = [];

  before(async () => {
    srv = await startTestServer({
      liveMeshMax: 2,
      janusBinary: '/usr/bin/janus',
      janusInterfaces: [SFU_VETH.janusSide],
      janusRtpPorts: '20300-20600',
    });
    source = await Vp8Source.start();
  });

  after(async () => {
    for (const p of peers) await p.close();
    for (const c of clients) c.close();
    await srv?.close();
    await source?.close();
  });

  async function member(name: string): Promise<RawClient> {
    const c = await RawClient.ws(srv.wsUrl);
    clients.push(c);
    await c.hello(name);
    if (room) await c.ok('room.join', { room });
    else room = ((await c.ok('room.create'))['room'] as Json)['id'] as string;
    return c;
  }

  test('the 3rd live.join moves the call to the SFU; everyone receives everyone', async () => {
    const [a, b, c] = [await member('Ann'), await member('Bob'), await member('Cat')];
    const ja = await a.ok('live.join', { room });
    assert.equal(ja['mode'], 'mesh');
    assert.equal(ja['mediaMode'], 'auto');
    assert.equal((await b.ok('live.join', { room }))['mode'], 'mesh');
    const pa = new SfuPeer(a, room, source);
    const pb = new SfuPeer(b, room, source);
    peers.push(pa, pb);
    const joinedAt = Date.now();
    const jc = await c.ok('live.join', { room });
    assert.equal(jc['mode'], 'sfu', 'the joiner past liveMeshMax is told the call is on the SFU');
    const pc = new SfuPeer(c, room, source);
    peers.push(pc);
    void pc.startSfu();
    await until('everyone receives both others', () => peers.every((p) => liveTracks(p) === 2), 15_000);
    const switchMs = Date.now() - joinedAt;
    console.log(`mesh → SFU: every participant receives both others ${switchMs} ms after the 3rd live.join`);
    assert.ok(switchMs < 5_000, `switch within 5 s (${switchMs} ms)`);
    assert.ok(
      peers.every((p) => p.starts >= 1),
      'A and B restarted on live.mode, C on its join',
    );
    for (const p of peers) assert.equal(p.streams.length, 2);
  });

  test('only owners and admins set the media mode; SFU requests need an SFU call', async () => {
    const bob = clients[1];
    assert.ok(bob);
    const refused = await bob.request('live.mode', { room, mode: 'mesh' });
    assert.equal(refused['code'], 'FORBIDDEN');
    const ann = clients[0];
    assert.ok(ann);
    const set = await ann.ok('live.mode', { room, mode: 'sfu' });
    assert.deepEqual(set, { mediaMode: 'sfu', mode: 'sfu' });
    // Not in the call: SFU requests are refused, never reach Janus.
    const dan = await member('Dan');
    const outside = await dan.request('live.sfu.publish', { room, sdp: 'v=0' });
    assert.equal(outside['code'], 'FORBIDDEN');
    const bad = await ann.request('live.sfu.publish', { room, sdp: 'not an sdp' });
    assert.equal(bad['code'], 'INVALID_MESSAGE', 'Janus refusing the SDP is a typed error');
    const late = await ann.request('live.sfu.candidate', { room, target: 'subscriber', candidate: null });
    assert.notEqual(
      late['type'],
      'error',
      'a candidate for a PeerConnection the SFU no longer has is dropped',
    );
  });

  test('Janus killed mid-call: the room is re-created and media flows again', async () => {
    const pid = Number(
      execFileSync('pgrep', ['-P', String(process.pid), '-x', 'janus'])
        .toString()
        .trim(),
    );
    assert.ok(pid > 0, 'the server runs a Janus child');
    const before = peers.map((p) => p.starts);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await until(
      'every participant restarted on the SFU',
      () => peers.every((p, i) => p.starts > (before[i] ?? 0)),
      10_000,
    );
    // Fresh subscribers: count only what the new PeerConnections receive.
    await until('everyone receives both others again', () => peers.every((p) => liveTracks(p) === 2), 10_000);
    const recoveryMs = Date.now() - killedAt;
    console.log(`Janus killed → every participant receives both others again after ${recoveryMs} ms`);
    assert.ok(recoveryMs < 10_000, `recovered within 10 s (${recoveryMs} ms)`);
  });

  test('a participant leaving drops out of everyone else’s subscription', async () => {
    const cat = clients[2];
    const [pa, pb] = peers;
    assert.ok(cat && pa && pb);
    await cat.ok('live.leave', { room });
    await until('A and B get an offer without Cat', () => pa.streams.length === 1 && pb.streams.length === 1);
  });
}
