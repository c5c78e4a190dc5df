// test-needs: janus
/**
 * Failover between Janus instances: the server is given two (`janusUrl: [a, b]`, as
 * `--janus-url a,b`), the call's room is placed on one of them, and that Janus is SIGKILLed
 * during the call (and stays dead). The server notices, re-creates the room on the other one and
 * tells the clients (`live.mode` reason `reset`); the werift participants publish and subscribe
 * again by themselves. Measured: the time from the kill until every participant has a keyframe
 * (what a decoder needs to show a frame) from both others on its new subscriber PeerConnection.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  allFlowing,
  inSfuNamespace,
  janusRoomCount,
  SfuCallFixture,
  startExternalJanus,
  until,
} from '../sfu-fixture.js';

inSfuNamespace(import.meta.url, 'SFU failover between two Janus instances', 2, failoverTests);

function failoverTests(): void {
  let janusA: Awaited<ReturnType<typeof startExternalJanus>>;
  let janusB: Awaited<ReturnType<typeof startExternalJanus>>;
  let call: SfuCallFixture;

  before(async () => {
    janusA = await startExternalJanus([21000, 21200]);
    janusB = await startExternalJanus([21200, 21400]);
    call = await SfuCallFixture.start({ liveMeshMax: 2, janusUrl: [janusA.url, janusB.url] });
  });

  after(async () => {
    await call?.close();
    await janusA?.close();
    await janusB?.close();
  });

  test('three participants on the SFU; the room lives on exactly one of the two Janus instances', async () => {
    const members = [await call.member('Ann'), await call.member('Bob'), await call.member('Cat')];
    await members[0]?.c.ok('live.mode', { room: call.room, mode: 'sfu' });
    for (const m of members) assert.equal((await m.c.ok('live.join', { room: call.room }))['mode'], 'sfu');
    for (const m of members) void call.peer(m.c).startSfu();
    await until('everyone receives both others', () => allFlowing(call.peers, 2), 20_000);
    const counts = [await janusRoomCount(janusA.url), await janusRoomCount(janusB.url)];
    assert.deepEqual(
      [...counts].sort(),
      [0, 1],
      `one room on one instance (a: ${counts[0]}, b: ${counts[1]})`,
    );
  });

  test('the hosting Janus is killed: the room moves to the other, media decodes again within 10 s', async () => {
    const onA = (await janusRoomCount(janusA.url)) === 1;
    const [victim, survivor] = onA ? [janusA, janusB] : [janusB, janusA];
    const pid = victim.janus.pid;
    assert.ok(pid, 'the hosting Janus runs');
    const starts = call.peers.map((p) => p.starts);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');

    await until(
      'every participant started again on the SFU',
      () => call.peers.every((p, i) => p.starts > (starts[i] ?? 0)),
      10_000,
    );
    // A keyframe from each of the two others on the new subscriber PeerConnection.
    await until(
      'a keyframe and media from both others at every participant',
      () =>
        call.peers.every(
          (p) =>
            p.subscriber !== null && p.subscriber.firstKeyframeAt !== null && p.subscriber.packets.size === 2,
        ),
      15_000,
    );
    const decodableMs = Math.max(...call.peers.map((p) => (p.subscriber?.firstKeyframeAt ?? 0) - killedAt));
    await until('media flows from both others at every participant', () => allFlowing(call.peers, 2), 10_000);
    const flowingMs = Date.now() - killedAt;
    console.log(
      `Janus failover: first keyframe at every participant ${decodableMs} ms after the kill; ` +
        `steady media confirmed at ${flowingMs} ms`,
    );
    assert.ok(decodableMs < 10_000, `frames decodable again within 10 s (${decodableMs} ms)`);
    assert.equal(await janusRoomCount(survivor.url), 1, 'the room was re-created on the surviving Janus');
    assert.equal(victim.janus.pid, undefined, 'the killed Janus stayed down (no restart hid the failover)');
  });
}
