// test-needs: janus
/**
 * Contract test of the SFU seam (packages/server/src/live/sfu) against a real Janus started by
 * JanusSupervisor, with werift peers: publish → publisher-up → multistream subscribe → media,
 * a subscription updated as a publisher joins, moderation, "subscribe before up" never reaching
 * Janus's 428, typed errors, and Janus killed → room-lost → restarted → media again. Runs inside a
 * network namespace with a veth pair (Janus does not send media over loopback).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { JanusPool } from '../../packages/server/src/live/sfu/janus-pool.js';
import { JanusSupervisor } from '../../packages/server/src/live/sfu/janus-supervisor.js';
import { SfuError, type SfuEvent } from '../../packages/server/src/live/sfu/sfu-backend.js';
import { inLoopbackNamespace, runInLoopbackNamespace, SFU_VETH } from '../e2e/netns.js';
import { RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { Vp8Source, WeriftPublisher, WeriftSubscriber } from '../werift-peers.js';

const FILE = fileURLToPath(import.meta.url);

if (!inLoopbackNamespace()) {
  test('SFU seam against a real Janus, inside a network namespace', { timeout: 120_000 }, async () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const { code, output } = await runInLoopbackNamespace(relative(root, FILE), { veth: true });
    assert.equal(code, 0, 'the SFU tests passed inside the namespace (their output is above)');
    const count = (label: string): number => Number(new RegExp(`ℹ ${label} (\\d+)`).exec(output)?.[1] ?? -1);
    assert.ok(count('tests') >= 5 && count('pass') === count('tests'), 'every SFU test ran and passed');
  });
} else {
  contract();
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function contract(): void {
  let dir: string;
  let janus: JanusSupervisor;
  let pool: JanusPool;
  let source: Vp8Source;
  const events: SfuEvent[] = [];
  const closers: (() => Promise<void>)[] = [];
  const seen = (type: SfuEvent['type'], participant?: string): boolean =>
    events.some(
      (e) =>
        e.type === type &&
        (participant === undefined || ('participant' in e && e.participant === participant)),
    );

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'presence-janus-'));
    janus = new JanusSupervisor({
      binary: '/usr/bin/janus',
      configDir: join(dir, 'janus'),
      rtpPorts: [20000, 20200],
      interfaces: [SFU_VETH.janusSide],
    });
    const url = await janus.start();
    pool = new JanusPool({ urls: [url], reconnectMs: 200 });
    pool.on((e) => events.push(e));
    await pool.start();
    source = await Vp8Source.start();
  });

  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await pool?.close();
    await janus?.close();
    await source?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function publish(room: string, participant: string): Promise<WeriftPublisher> {
    const pub = new WeriftPublisher(source);
    closers.push(() => pub.close());
    const answer = await pool.publish(room, participant, await pub.offer(), { display: participant });
    await pub.answer(answer);
    await until(`${participant} up`, () => pool.isPublishing(room, participant));
    return pub;
  }

  async function watch(room: string, participant: string, feeds: string[]): Promise<WeriftSubscriber> {
    const sub = new WeriftSubscriber();
    closers.push(() => sub.close());
    const subscription = await pool.subscribe(room, participant, feeds);
    assert.ok(subscription.offer, 'Janus offers the subscription');
    await pool.startSubscriber(room, participant, await sub.answer(subscription.offer));
    return sub;
  }

  test('publish, then a multistream subscriber decodes keyframes', async () => {
    await pool.ensureRoom('room-a');
    assert.equal(pool.hasRoom('room-a'), true);
    await pool.ensureRoom('room-a'); // idempotent
    await publish('room-a', 'alice');
    assert.ok(seen('publisher-up', 'alice'));
    const bob = await watch('room-a', 'bob', ['alice']);
    await until('bob receives a keyframe', () => bob.firstKeyframeAt !== null);
    await until('bob subscriber-up', () => seen('subscriber-up', 'bob'));
    assert.deepEqual(
      pool.status().map((s) => [s.up, s.rooms]),
      [[true, 1]],
    );
  });

  test('a subscription grows by an update (one PeerConnection, two feeds)', async () => {
    const carol = await watch('room-a', 'carol', ['alice']);
    await until('carol receives alice', () => carol.totalPackets > 0);
    await publish('room-a', 'dave');
    const next = await pool.subscribe('room-a', 'carol', ['alice', 'dave']);
    assert.ok(next.offer, 'a new offer for the grown subscription');
    assert.deepEqual([...next.feeds].sort(), ['alice', 'dave']);
    assert.equal(Object.keys(next.mids).length, 2);
    await pool.startSubscriber('room-a', 'carol', await carol.answer(next.offer));
    await until(
      'carol receives two tracks',
      () => [...carol.packets.values()].filter((n) => n > 0).length === 2,
    );
    const same = await pool.subscribe('room-a', 'carol', ['alice', 'dave']);
    assert.equal(same.offer, null, 'nothing changed, nothing to negotiate');
  });

  test('subscribing before a publisher is up leaves it out instead of failing with 428', async () => {
    const erin = new WeriftPublisher(source);
    closers.push(() => erin.close());
    const answer = await pool.publish('room-a', 'erin', await erin.offer());
    // Not answered yet on our side: Janus has no PeerConnection for erin, so she is not up.
    assert.equal(pool.isPublishing('room-a', 'erin'), false);
    const early = await pool.subscribe('room-a', 'frank', ['erin']);
    assert.equal(early.offer, null);
    assert.deepEqual(early.feeds, []);
    await erin.answer(answer);
    await until('erin up', () => pool.isPublishing('room-a', 'erin'));
    const frank = new WeriftSubscriber();
    closers.push(() => frank.close());
    const later = await pool.subscribe('room-a', 'frank', ['erin']);
    assert.ok(later.offer);
    await pool.startSubscriber('room-a', 'frank', await frank.answer(later.offer));
    await until('frank receives erin', () => frank.firstKeyframeAt !== null);
  });

  test('concurrent subscribes of one participant share one subscriber', async () => {
    // A join and a publisher-up arrive together: both ask for gina's subscription at once.
    const results = await Promise.all([
      pool.subscribe('room-a', 'gina', ['alice', 'dave']),
      pool.subscribe('room-a', 'gina', ['alice', 'dave']),
    ]);
    const offers = results.filter((r) => r.offer !== null);
    assert.equal(offers.length, 1, 'one Janus subscriber, one offer; the other call waits for its answer');
    const gina = new WeriftSubscriber();
    closers.push(() => gina.close());
    const answer = await gina.answer(offers[0]?.offer ?? '');
    await pool.startSubscriber('room-a', 'gina', answer);
    await until(
      'gina receives two tracks',
      () => [...gina.packets.values()].filter((n) => n > 0).length === 2,
    );
    await assert.rejects(
      pool.startSubscriber('room-a', 'gina', answer),
      (err: unknown) => err instanceof SfuError && err.code === 'SFU_NOT_FOUND',
      'an answer without an outstanding offer is refused, not passed to Janus',
    );
  });

  test('moderate mutes a publisher for everyone; unpublish emits publisher-down', async () => {
    await pool.moderate('room-a', 'alice', { video: true });
    await pool.moderate('room-a', 'alice', { video: false });
    await pool.unpublish('room-a', 'dave');
    assert.ok(seen('publisher-down', 'dave'));
    assert.equal(pool.isPublishing('room-a', 'dave'), false);
  });

  test('an external (WHIP) source: H.264 accepted by default, ICE restart by a new ufrag, codecs per room', async () => {
    // OBS sends H.264 constrained baseline; a room takes VP8 and H.264 unless told otherwise.
    const h264 = new RTCPeerConnection({
      iceServers: [],
      iceAdditionalHostAddresses: ['127.0.0.1'],
      codecs: {
        video: [
          new RTCRtpCodecParameters({
            mimeType: 'video/H264',
            clockRate: 90000,
            rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
            parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1',
          }),
        ],
      },
    });
    closers.push(() => h264.close());
    h264.addTransceiver('video', { direction: 'sendonly' });
    await h264.setLocalDescription(await h264.createOffer());
    await until('gathered', () => h264.iceGatheringState === 'complete');
    const offer = h264.localDescription?.sdp ?? '';
    const answer = await pool.publish('room-a', 'whip_obs', offer, { display: 'OBS' });
    assert.match(answer, /a=rtpmap:\d+ H264\/90000/, 'Janus answers with H.264');
    assert.doesNotMatch(answer, /m=video 0 /, 'the video section is accepted');
    // An ICE restart is a new offer with new credentials on the same handle.
    const restarted = offer
      .replace(/a=ice-ufrag:.*/g, 'a=ice-ufrag:wrst')
      .replace(/a=ice-pwd:.*/g, 'a=ice-pwd:whiprestartpasswordwhiprs');
    const again = await pool.restartPublisher('room-a', 'whip_obs', restarted);
    assert.notEqual(
      /a=ice-ufrag:(.*)/.exec(again)?.[1],
      /a=ice-ufrag:(.*)/.exec(answer)?.[1],
      'Janus restarted ICE',
    );
    await pool.unpublish('room-a', 'whip_obs');
    // A room limited to VP8 rejects the H.264-only video section.
    await pool.ensureRoom('room-vp8', { videoCodecs: ['vp8'] });
    const refused = await pool.publish('room-vp8', 'whip_obs2', offer).catch((e: unknown) => e);
    assert.ok(
      refused instanceof SfuError || (typeof refused === 'string' && !/H264/.test(refused)),
      'no H.264 in a VP8-only room',
    );
    await pool.unpublish('room-vp8', 'whip_obs2');
    await pool.destroyRoom('room-vp8');
  });

  test('typed errors: unknown subscriber, unknown publisher', async () => {
    await assert.rejects(
      pool.startSubscriber('room-a', 'nobody', 'v=0'),
      (e: unknown) => e instanceof SfuError && e.code === 'SFU_NOT_FOUND',
    );
    await assert.rejects(
      pool.moderate('room-a', 'nobody', { audio: true }),
      (e: unknown) => e instanceof SfuError && e.code === 'SFU_NOT_FOUND',
    );
    const nowhere = new JanusPool({ urls: ['ws://127.0.0.1:1'] });
    await assert.rejects(
      nowhere.start(),
      (e: unknown) => e instanceof SfuError && e.code === 'SFU_UNAVAILABLE',
    );
    assert.equal(nowhere.available, false);
    await assert.rejects(
      nowhere.ensureRoom('x'),
      (e: unknown) => e instanceof SfuError && e.code === 'SFU_UNAVAILABLE',
    );
    await nowhere.close();
  });

  test('Janus killed: room-lost at once, restarted by the supervisor, media again', async () => {
    const pid = janus.pid;
    assert.ok(pid);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await until('room-lost', () => seen('room-lost'));
    const lostAfter = Date.now() - killedAt;
    assert.equal(pool.hasRoom('room-a'), false);
    await until('backend restored', () => pool.available, 10_000);
    const restoredAfter = Date.now() - killedAt;
    await pool.ensureRoom('room-a');
    await publish('room-a', 'alice');
    const bob = await watch('room-a', 'bob', ['alice']);
    await until('bob receives a keyframe again', () => bob.firstKeyframeAt !== null);
    const mediaAfter = Date.now() - killedAt;
    console.log(
      `janus killed: lost after ${lostAfter} ms, restored after ${restoredAfter} ms, media after ${mediaAfter} ms`,
    );
    assert.ok(mediaAfter < 10_000);
    assert.equal(janus.starts, 2);
  });
}
