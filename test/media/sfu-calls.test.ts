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
import { after, before, test } from 'node:test';
import { inSfuNamespace, liveTracks, SfuCallFixture, until } from '../sfu-fixture.js';
import type { SfuPeer } from '../sfu-peer.js';

inSfuNamespace(import.meta.url, 'SFU calls through the server', 4, sfuCallTests);

function sfuCallTests(): void {
  let call: SfuCallFixture;
  let peers: SfuPeer[] = [];
  let clients: SfuCallFixture['clients'] = [];
  let room = '';

  before(async () => {
    call = await SfuCallFixture.start({ liveMeshMax: 2, rtpPorts: '20300-20600' });
    peers = call.peers;
    clients = call.clients;
  });

  after(async () => {
    await call?.close();
  });

  async function member(name: string) {
    const { c } = await call.member(name);
    room = call.room;
    return c;
  }

  test('the 3rd live.join moves the call to the SFU; everyone receives everyone', async () => {
    const [a, b, c] = [await member('Ann'), await member('Bob'), await member('Cat')];
    const ja = await a.ok('live.join', { room });
    assert.equal(ja['mode'], 'mesh');
    assert.equal(ja['mediaMode'], 'auto');
    assert.equal((await b.ok('live.join', { room }))['mode'], 'mesh');
    call.peer(a);
    call.peer(b);
    const joinedAt = Date.now();
    const jc = await c.ok('live.join', { room });
    assert.equal(jc['mode'], 'sfu', 'the joiner past liveMeshMax is told the call is on the SFU');
    const pc = call.peer(c);
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
