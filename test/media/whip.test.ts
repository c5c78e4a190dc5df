// test-needs: janus
/**
 * WHIP ingest and WHEP playback through the server, with a real Janus child and werift peers:
 * stream keys over the protocol (owners/admins only, hashed, shown once); a WHIP publisher (werift
 * with ffmpeg's VP8 test pattern) becomes the room's source — a member in the room's call receives
 * its keyframes, a second publisher gets 409; a WHEP player (server-offer mode: 406 + PATCH)
 * receives keyframes; CORS preflight; trickle with 428/412/204 and an ICE restart (200, new ETag);
 * a revoked key → 401 and the live source is cut. Inside a network namespace with a veth pair
 * (Janus sends no media over loopback).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../harness.js';
import { inLoopbackNamespace, runInLoopbackNamespace, SFU_VETH } from '../e2e/netns.js';
import { RawClient, type Json } from '../raw-client.js';
import { ffprobe, waitForWebm } from '../recordings.js';
import { SfuPeer } from '../sfu-peer.js';
import { Vp8Source, WeriftPublisher, WeriftSubscriber } from '../werift-peers.js';

const FILE = fileURLToPath(import.meta.url);

if (!inLoopbackNamespace()) {
  test('WHIP and WHEP with a real Janus, inside a network namespace', { timeout: 180_000 }, async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const { code, output } = await runInLoopbackNamespace(relative(root, FILE), { veth: true });
    assert.equal(code, 0, 'the WHIP tests passed inside the namespace (their output is above)');
    const count = (label: string): number => Number(new RegExp(`ℹ ${label} (\\d+)`).exec(output)?.[1] ?? -1);
    assert.ok(count('tests') >= 10 && count('pass') === count('tests'), 'every WHIP test ran and passed');
  });
} else {
  whipTests();
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function whipTests(): void {
  let srv: TestServer;
  let source: Vp8Source;
  let owner: RawClient;
  let bob: RawClient;
  let bobToken = '';
  let room = '';
  let secret = '';
  let keyId = '';
  let session = '';
  let etag = '';
  let recordings = '';
  const closers: (() => Promise<void> | void)[] = [];

  const whip = (path: string, init: RequestInit = {}): Promise<Response> => fetch(srv.httpUrl + path, init);
  const post = (path: string, sdp: string, key: string | null): Promise<Response> =>
    whip(path, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: sdp,
    });

  before(async () => {
    recordings = await mkdtemp(join(tmpdir(), 'presence-whip-rec-'));
    srv = await startTestServer({
      recordingsDir: recordings,
      janusBinary: '/usr/bin/janus',
      janusInterfaces: [SFU_VETH.janusSide],
      janusRtpPorts: '20700-20900',
    });
    source = await Vp8Source.start();
    owner = await RawClient.ws(srv.wsUrl);
    await owner.hello('Olive');
    room = ((await owner.ok('room.create', { name: 'Stream room', visibility: 'private' }))['room'] as Json)[
      'id'
    ] as string;
    bob = await RawClient.ws(srv.wsUrl);
    bobToken = (await bob.hello('Bob'))['token'] as string;
    const invite = (await owner.ok('invite.create', { room, kind: 'single' }))['invite'] as Json;
    await bob.ok('room.join', { invite: invite['code'] });
  });

  after(async () => {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    owner?.close();
    bob?.close();
    await srv?.close();
    await source?.close();
    await rm(recordings, { recursive: true, force: true });
  });

  test('stream keys: owners create, list and see the secret once; members may not', async () => {
    const made = await owner.ok('streamkey.create', { room, name: 'OBS Studio' });
    secret = made['secret'] as string;
    keyId = (made['key'] as Json)['id'] as string;
    assert.match(secret, /^pwk_[A-Za-z0-9_-]{43}$/);
    assert.equal(made['whipPath'], `/whip/rooms/${encodeURIComponent(room)}`);
    const list = await owner.ok('streamkey.list', { room });
    const keys = list['keys'] as Json[];
    assert.equal(keys.length, 1);
    assert.equal(keys[0]?.['name'], 'OBS Studio');
    assert.equal(JSON.stringify(list).includes(secret), false, 'the list never carries the secret');
    const refused = await bob.request('streamkey.create', { room, name: 'Mine' });
    assert.equal(refused['code'], 'FORBIDDEN');
    const unknown = await owner.request('streamkey.revoke', { room, key: 'wk_nope' });
    assert.equal(unknown['code'], 'STREAM_KEY_NOT_FOUND');
  });

  test('CORS preflight and the statuses that need no SFU work', async () => {
    const pre = await whip(`/whip/rooms/${room}`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://encoder.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.match(pre.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(pre.headers.get('access-control-allow-headers') ?? '', /authorization/);
    assert.match(pre.headers.get('access-control-expose-headers') ?? '', /location/);
    assert.equal(pre.headers.get('accept-post'), 'application/sdp');
    assert.equal((await post(`/whip/rooms/${room}`, 'v=0\r\n', null)).status, 401);
    assert.equal((await post(`/whip/rooms/${room}`, 'v=0\r\n', 'pwk_wrong')).status, 401);
    assert.equal((await post('/whip/rooms/no-such-room', 'v=0\r\n', secret)).status, 404);
    const other = ((await owner.ok('room.create', { name: 'Other room' }))['room'] as Json)['id'] as string;
    assert.equal((await post(`/whip/rooms/${other}`, 'v=0\r\n', secret)).status, 403, "another room's key");
    const json = await whip(`/whip/rooms/${room}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: '{}',
    });
    assert.equal(json.status, 415);
    assert.equal((await whip('/whip/sessions/nope', { method: 'DELETE' })).status, 404);
  });

  test('a WHIP publisher becomes the source: a member in the call receives its keyframes', async () => {
    const pub = new WeriftPublisher(source);
    closers.push(() => pub.close());
    const res = await post(`/whip/rooms/${room}`, await pub.offer(), secret);
    assert.equal(res.status, 201, await res.clone().text());
    assert.equal(res.headers.get('content-type'), 'application/sdp');
    const location = res.headers.get('location') ?? '';
    assert.match(location, /^\/whip\/sessions\/[A-Za-z0-9_-]{22}$/, 'a 128-bit session id');
    session = location;
    etag = res.headers.get('etag') ?? '';
    assert.match(etag, /^".+"$/);
    await pub.answer(await res.text());
    // The room's call now has the source, named after its key.
    const bobPeer = new SfuPeer(bob, room, null);
    closers.push(() => bobPeer.close());
    const joined = await bob.ok('live.join', { room });
    assert.equal(joined['mode'], 'sfu');
    const sourceP = (joined['participants'] as Json[]).find((p) => p['external'] === 'whip');
    assert.ok(sourceP, 'the source is in the call');
    assert.equal((sourceP['user'] as Json)['name'], 'OBS Studio');
    void bobPeer.startSfu();
    await until(
      'Bob receives a keyframe from the WHIP source',
      () => (bobPeer.subscriber?.firstKeyframeAt ?? null) !== null,
    );
    const live = (await owner.ok('streamkey.list', { room }))['keys'] as Json[];
    assert.equal(live[0]?.['live'], true);
  });

  test('a second publisher on the same room gets 409', async () => {
    const second = new WeriftPublisher(source);
    closers.push(() => second.close());
    const res = await post(`/whip/rooms/${room}`, await second.offer(), secret);
    assert.equal(res.status, 409);
    assert.equal(((await res.json()) as Json)['code'], 'SOURCE_LIVE');
  });

  test('an owner records the WHIP source: a webm of its video', async () => {
    assert.ok((await owner.ok('live.record', { room, on: true }))['recording'], 'recording now');
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    await owner.ok('live.record', { room, on: false });
    const recorded = (Date.now() - t0) / 1000;
    const { duration, streams } = ffprobe(await waitForWebm(join(recordings, room)));
    console.log(`WHIP recording: recorded ${recorded.toFixed(2)} s, ffprobe ${duration.toFixed(2)} s`);
    assert.ok(streams.includes('video'), 'a video stream');
    assert.ok(Math.abs(duration - recorded) <= 1, `ffprobe ${duration} s vs recorded ${recorded} s`);
  });

  test('a WHEP player (server-offer mode) receives keyframes; private rooms need a member token', async () => {
    const anonymous = await whip(`/whep/rooms/${room}`, { method: 'POST' });
    assert.equal(anonymous.status, 401);
    const player = new WeriftSubscriber();
    closers.push(() => player.close());
    const res = await whip(`/whep/rooms/${room}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bobToken}`, 'content-type': 'application/sdp' },
      body: 'v=0\r\n',
    });
    assert.equal(res.status, 406, 'server-offer mode: a counter-offer');
    const location = res.headers.get('location') ?? '';
    assert.match(location, /^\/whep\/sessions\//);
    const answer = await player.answer(await res.text());
    const patched = await whip(location, {
      method: 'PATCH',
      headers: { 'content-type': 'application/sdp' },
      body: answer,
    });
    assert.equal(patched.status, 204);
    await until('the WHEP player receives a keyframe', () => player.firstKeyframeAt !== null);
    assert.equal((await whip(location, { method: 'DELETE' })).status, 200);
    assert.equal((await whip(location, { method: 'DELETE' })).status, 404);
  });

  test('trickle: 428 without If-Match, 412 with a stale ETag, 204 with the right one', async () => {
    const frag = 'a=ice-ufrag:unused\r\na=ice-pwd:unused\r\nm=video 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n';
    const patch = (ifMatch: string | null, body: string) =>
      whip(session, {
        method: 'PATCH',
        headers: {
          'content-type': 'application/trickle-ice-sdpfrag',
          ...(ifMatch ? { 'if-match': ifMatch } : {}),
        },
        body,
      });
    assert.equal((await patch(null, frag)).status, 428);
    assert.equal((await patch('"stale"', frag)).status, 412);
    const candidate =
      'm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=candidate:1 1 udp 2130706431 10.77.0.2 50000 typ host\r\na=end-of-candidates\r\n';
    assert.equal((await patch(etag, candidate)).status, 204);
  });

  test('ICE restart: If-Match * with new credentials → 200, a fragment and a new ETag', async () => {
    const res = await whip(session, {
      method: 'PATCH',
      headers: { 'content-type': 'application/trickle-ice-sdpfrag', 'if-match': '*' },
      body: 'a=ice-ufrag:rstr\r\na=ice-pwd:restartpasswordrestartpw\r\n',
    });
    assert.equal(res.status, 200, await res.clone().text());
    const next = res.headers.get('etag') ?? '';
    assert.notEqual(next, etag);
    assert.match(await res.text(), /a=ice-ufrag:/);
    const stale = await whip(session, {
      method: 'PATCH',
      headers: { 'content-type': 'application/trickle-ice-sdpfrag', 'if-match': etag },
      body: 'a=end-of-candidates\r\n',
    });
    assert.equal(stale.status, 412, 'the old ETag is stale after a restart');
    etag = next;
  });

  test('revoking the key cuts the live source and later POSTs get 401', async () => {
    const left = bob.event('live.left', (m) => String(m['participant']).startsWith('whip_'), 10_000);
    await owner.ok('streamkey.revoke', { room, key: keyId });
    await left;
    assert.equal((await whip(session, { method: 'DELETE' })).status, 404, 'the session is gone');
    const again = new WeriftPublisher(source);
    closers.push(() => again.close());
    assert.equal((await post(`/whip/rooms/${room}`, await again.offer(), secret)).status, 401);
  });

  test('a streaming room: the WHIP source claims the stage (live), viewers watch it, DELETE ends it', async () => {
    const stage = ((await owner.ok('room.create', { name: 'Streaming room' }))['room'] as Json)[
      'id'
    ] as string;
    await owner.ok('live.settings', { room: stage, streaming: true });
    const made = await owner.ok('streamkey.create', { room: stage, name: 'Stage cam' });
    const invite = (await owner.ok('invite.create', { room: stage, kind: 'single' }))['invite'] as Json;
    await bob.ok('room.join', { invite: invite['code'] });
    const live = bob.event('live.stream', (m) => (m['stream'] as Json)['state'] === 'live', 15_000);
    const pub = new WeriftPublisher(source);
    closers.push(() => pub.close());
    const res = await post(`/whip/rooms/${stage}`, await pub.offer(), made['secret'] as string);
    assert.equal(res.status, 201, await res.clone().text());
    const location = res.headers.get('location') ?? '';
    await pub.answer(await res.text());
    const event = await live;
    assert.deepEqual(
      ((event['stream'] as Json)['source'] as Json)['kind'],
      'external',
      'the stage says live, with the encoder as its source',
    );
    assert.equal(((event['stream'] as Json)['source'] as Json)['displayName'], 'Stage cam');
    await bob.ok('live.leave', { room }).catch(() => undefined);
    const viewer = new SfuPeer(bob, stage, null);
    closers.push(() => viewer.close());
    const joined = await bob.ok('live.join', { room: stage });
    assert.equal((joined['stream'] as Json | undefined)?.['state'], 'live');
    await until(
      'the viewer receives the stage source',
      () => (viewer.subscriber?.firstKeyframeAt ?? null) !== null,
    );
    const ended = bob.event('live.stream', (m) => (m['stream'] as Json)['state'] !== 'live', 15_000);
    assert.equal((await whip(location, { method: 'DELETE' })).status, 200);
    assert.notEqual(((await ended)['stream'] as Json)['state'], 'live', 'the stream ended with the source');
  });
}
