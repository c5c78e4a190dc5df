// test-needs: janus
/**
 * Source hand-over in a streaming room, with Janus and werift peers in a network namespace (like
 * sfu-stream.test.ts, but few viewers): Ann (the first streamer) is the source and the viewers
 * receive her; Ann leaves, Bob (the next streamer present, watching until then) becomes the source,
 * publishes, and every viewer receives Bob's keyframes on its same subscriber PeerConnection (the
 * hand-over time is printed). Then Carol, a streamer who watches, is taken out of the streamer
 * group: she is a plain viewer, so when Bob leaves the stream ends instead of passing to her.
 */
import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startTestServer, type TestServer } from '../harness.js';
import { inLoopbackNamespace, runInLoopbackNamespace, SFU_VETH } from '../e2e/netns.js';
import { RawClient, type Json } from '../raw-client.js';
import { SfuPeer } from '../sfu-peer.js';
import { Vp8Source } from '../werift-peers.js';

const FILE = fileURLToPath(import.meta.url);
const VIEWERS = 3;

if (!inLoopbackNamespace()) {
  test(
    'streaming hand-over through the server, inside a network namespace',
    { timeout: 200_000 },
    async () => {
      const root = fileURLToPath(new URL('../../', import.meta.url));
      const { code, output } = await runInLoopbackNamespace(relative(root, FILE), { veth: true });
      assert.equal(code, 0, 'the hand-over tests passed inside the namespace (their output is above)');
      const count = (label: string): number =>
        Number(new RegExp(`ℹ ${label} (\\d+)`).exec(output)?.[1] ?? -1);
      assert.ok(
        count('tests') >= 2 && count('pass') === count('tests'),
        'every hand-over test ran and passed',
      );
    },
  );
} else {
  handOverTests();
}

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function lastStream(c: RawClient): Json | undefined {
  return c.received.filter((m) => m['type'] === 'live.stream').at(-1)?.['stream'] as Json | undefined;
}

function sourceOf(c: RawClient): string | null {
  const s = lastStream(c)?.['source'] as Json | null | undefined;
  return (s?.['participant'] as string | undefined) ?? null;
}

function handOverTests(): void {
  let srv: TestServer;
  const sources: Vp8Source[] = [];
  const peers: SfuPeer[] = [];
  const clients: RawClient[] = [];
  let room = '';
  const ids = new Map<RawClient, { user: string; participant: string }>();
  let ann: RawClient, bob: RawClient, carol: RawClient;
  let bobPeer: SfuPeer;
  const viewers: SfuPeer[] = [];

  before(async () => {
    srv = await startTestServer({
      janusBinary: '/usr/bin/janus',
      janusInterfaces: [SFU_VETH.janusSide],
      janusRtpPorts: '20700-21000',
    });
    sources.push(await Vp8Source.start(), await Vp8Source.start());
  });

  after(async () => {
    for (const p of peers) await p.close();
    for (const c of clients) c.close();
    await srv?.close();
    for (const s of sources) await s.close();
  });

  async function member(name: string): Promise<RawClient> {
    const c = await RawClient.ws(srv.wsUrl);
    clients.push(c);
    const welcome = await c.hello(name);
    ids.set(c, { user: welcome['userId'] as string, participant: '' });
    if (room) await c.ok('room.join', { room });
    else room = ((await c.ok('room.create'))['room'] as Json)['id'] as string;
    return c;
  }

  async function joinCall(c: RawClient): Promise<Json> {
    const joined = await c.ok('live.join', { room });
    (ids.get(c) as { participant: string }).participant = (joined['you'] as Json)['id'] as string;
    return joined;
  }

  const id = (c: RawClient) => ids.get(c) as { user: string; participant: string };

  test('the source leaves: the next streamer takes over and viewers receive its keyframes', async () => {
    ann = await member('Ann');
    bob = await member('Bob');
    carol = await member('Carol');
    const others: RawClient[] = [];
    for (let i = 1; i <= VIEWERS; i++) others.push(await member(`Viewer ${i}`));
    await ann.ok('live.settings', {
      room,
      streaming: true,
      streamers: { users: [id(ann).user, id(bob).user, id(carol).user], role: null },
    });

    const annJoin = await joinCall(ann);
    assert.equal(((annJoin['stream'] as Json)['source'] as Json)['participant'], id(ann).participant);
    const annPeer = new SfuPeer(ann, room, sources[0] as Vp8Source);
    peers.push(annPeer);
    await annPeer.startSfu();

    // Bob and Carol are streamers but watch (Ann is live); Bob's peer publishes once he is the source.
    await joinCall(bob);
    bobPeer = new SfuPeer(bob, room, sources[1] as Vp8Source);
    peers.push(bobPeer);
    await joinCall(carol);
    peers.push(new SfuPeer(carol, room, null));
    for (const c of others) {
      await joinCall(c);
      const p = new SfuPeer(c, room, null);
      viewers.push(p);
      peers.push(p);
    }
    await until('every viewer receives a keyframe of Ann', () =>
      viewers.every((v) => (v.subscriber?.firstKeyframeAt ?? null) !== null),
    );
    const pcs = viewers.map((v) => v.subscriber);

    // The next keyframes after Ann has gone can only be Bob's (Ann's publisher closes with her).
    const next = viewers.map((v) => {
      const sub = v.subscriber;
      assert.ok(sub);
      return new Promise<number>((done) => {
        const wait = (): void =>
          void sub.nextKeyframe().then(() => {
            if (v.streams.some((s) => s.participant === id(bob).participant)) done(Date.now());
            else wait();
          });
        wait();
      });
    });
    const left = Date.now();
    await ann.ok('live.leave', { room });
    await annPeer.publisher?.close();
    await until('Bob hears that he is the source', () => sourceOf(bob) === id(bob).participant);
    const named = Date.now() - left;
    void bobPeer.startSfu();
    const times = (
      await Promise.race([
        Promise.all(next),
        new Promise<never>((_, fail) =>
          setTimeout(() => {
            const seen = viewers.map(
              (v) =>
                `${v.offers} offers, streams ${JSON.stringify(v.streams)}, packets ${JSON.stringify([...(v.subscriber?.packets ?? [])])}`,
            );
            fail(
              new Error(
                `viewers got no keyframe of the new source (bob ${id(bob).participant} ${bobPeer.starts} starts, ` +
                  `${sources[1]?.packets} packets; ${seen.join('; ')})`,
              ),
            );
          }, 20_000),
        ),
      ])
    ).map((t) => t - left);
    times.sort((a, b) => a - b);
    console.log(
      `streaming hand-over: new source named after ${named} ms; viewers decode its keyframes after ` +
        `${times.join(', ')} ms (median ${times[Math.floor(times.length / 2)]} ms)`,
    );
    for (const v of viewers) {
      assert.deepEqual(
        v.streams.map((s) => s.participant),
        [id(bob).participant],
        'viewers watch Bob only',
      );
    }
    assert.deepEqual(
      viewers.map((v) => v.subscriber),
      pcs,
      'the same subscriber PeerConnection carries the new source',
    );
    for (const c of [carol, ...others]) {
      await until('everyone sees Bob as the source', () => sourceOf(c) === id(bob).participant);
    }
    assert.equal(lastStream(carol)?.['viewers'], VIEWERS + 1, 'Carol and the viewers watch');
  });

  test('a streamer taken out of the group while watching is a plain viewer', async () => {
    const refused = await carol.request('live.sfu.publish', { room, sdp: 'v=0' });
    assert.equal(refused['code'], 'FORBIDDEN', 'Carol watches: she may not publish');
    // Ann is still the room's owner (out of the call): she takes Carol out of the group.
    await ann.ok('live.settings', {
      room,
      streamers: { users: [id(ann).user, id(bob).user], role: null },
    });
    await bob.ok('live.leave', { room });
    await until('the stream ends (Carol does not take over)', () => lastStream(carol)?.['state'] === 'ended');
    assert.equal(sourceOf(carol), null);
    const again = await carol.request('live.sfu.publish', { room, sdp: 'v=0' });
    assert.equal(again['code'], 'FORBIDDEN', 'still a viewer');
    // Back in the group, she is present: she becomes the source at once.
    await ann.ok('live.settings', {
      room,
      streamers: { users: [id(ann).user, id(bob).user, id(carol).user], role: null },
    });
    await until('Carol is the source', () => sourceOf(carol) === id(carol).participant);
  });
}
