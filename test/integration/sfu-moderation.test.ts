// test-needs: janus
/**
 * A moderator's mute on the SFU is the server's to enforce: the muted participant's werift peer
 * keeps sending RTP, yet Janus (`moderate`) stops relaying it, so the viewers' packets for that
 * track stop; the muted client cannot turn it back on (`live.media` answers MUTED) and the media
 * flows again only when a moderator unmutes. Inside a network namespace with a veth pair.
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

if (!inLoopbackNamespace()) {
  test('SFU moderation, inside a network namespace', { timeout: 180_000 }, async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const { code, output } = await runInLoopbackNamespace(relative(root, FILE), { veth: true });
    assert.equal(code, 0, 'the SFU moderation test passed inside the namespace (its output is above)');
    const count = (label: string): number => Number(new RegExp(`ℹ ${label} (\\d+)`).exec(output)?.[1] ?? -1);
    assert.ok(
      count('tests') >= 1 && count('pass') === count('tests'),
      'the SFU moderation test ran and passed',
    );
  });
} else {
  sfuModerationTests();
}

async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Per received track, how many RTP packets arrived during a 600 ms window. */
async function flow(peer: SfuPeer): Promise<number[]> {
  const before = new Map(peer.subscriber?.packets ?? []);
  await new Promise((r) => setTimeout(r, 600));
  return [...(peer.subscriber?.packets ?? new Map<string, number>())].map(
    ([k, n]) => n - (before.get(k) ?? 0),
  );
}

function sfuModerationTests(): void {
  let srv: TestServer;
  let source: Vp8Source;
  const peers: SfuPeer[] = [];
  const clients: RawClient[] = [];
  let room = '';

  before(async () => {
    srv = await startTestServer({
      liveMeshMax: 2,
      janusBinary: '/usr/bin/janus',
      janusInterfaces: [SFU_VETH.janusSide],
      janusRtpPorts: '20700-20900',
    });
    source = await Vp8Source.start();
  });

  after(async () => {
    for (const p of peers) await p.close();
    for (const c of clients) c.close();
    await srv?.close();
    await source?.close();
  });

  async function member(name: string): Promise<{ c: RawClient; id: string }> {
    const c = await RawClient.ws(srv.wsUrl);
    clients.push(c);
    const id = (await c.hello(name))['userId'] as string;
    if (room) await c.ok('room.join', { room });
    else room = ((await c.ok('room.create'))['room'] as Json)['id'] as string;
    return { c, id };
  }

  test('a muted SFU participant’s video stops at the viewers and the client cannot restart it', async () => {
    const ann = await member('Ann');
    const bob = await member('Bob');
    const cat = await member('Cat');
    await ann.c.ok('live.join', { room });
    await bob.c.ok('live.join', { room });
    const [pa, pb] = [new SfuPeer(ann.c, room, source), new SfuPeer(bob.c, room, source)];
    peers.push(pa, pb);
    assert.equal((await cat.c.ok('live.join', { room, media: { video: true } }))['mode'], 'sfu');
    const pc = new SfuPeer(cat.c, room, source);
    peers.push(pc);
    void pc.startSfu();
    const viewers = [pa, pc];
    await until(
      'Ann and Cat receive both others',
      async () =>
        (await Promise.all(viewers.map(flow))).every((d) => d.length === 2 && d.every((n) => n > 0)),
      20_000,
    );

    const mutedAt = Date.now();
    await ann.c.ok('mod.mute', { room, user: bob.id, video: true });
    // One track (Bob's) stops at each viewer; the other keeps flowing.
    const oneStalled = async (): Promise<boolean> =>
      (await Promise.all(viewers.map(flow))).every(
        (d) => d.filter((n) => n === 0).length === 1 && d.some((n) => n > 0),
      );
    await until('Bob’s video stops at Ann and Cat', oneStalled, 10_000);
    console.log(`SFU mute: Bob's video stopped at the viewers within ${Date.now() - mutedAt} ms`);

    // Bob's client keeps sending, and asks to turn the camera on: refused, and nothing flows.
    const refused = await bob.c.request('live.media', { room, video: true });
    assert.equal(refused['code'], 'MUTED');
    assert.ok(await oneStalled(), 'still stopped after the client tried');

    await ann.c.ok('mod.mute', { room, user: bob.id, video: false });
    await until(
      'Bob’s video flows again after the unmute',
      async () =>
        (await Promise.all(viewers.map(flow))).every((d) => d.length === 2 && d.every((n) => n > 0)),
      10_000,
    );
    assert.notEqual((await bob.c.request('live.media', { room, video: true }))['type'], 'error');

    // Muted, then publishing again (the client renegotiates): still not relayed.
    await ann.c.ok('mod.mute', { room, user: bob.id, video: true });
    await until('Bob’s video stops again', oneStalled, 10_000);
    await pb.startSfu();
    const flowing = async (): Promise<number[]> =>
      (await Promise.all(viewers.map(flow))).map((d) => d.filter((n) => n > 0).length);
    // Nothing to wait for when nothing may arrive: watch a few windows.
    for (let i = 0; i < 4; i++)
      assert.deepEqual(await flowing(), [1, 1], 'only Cat’s (or Ann’s) video flows');
  });
}
