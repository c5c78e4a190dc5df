// test-needs: janus
/**
 * A moderator's mute on the SFU is the server's to enforce: the muted participant's werift peer
 * keeps sending RTP, yet Janus (`moderate`) stops relaying it, so the viewers' packets for that
 * track stop; the muted client cannot turn it back on (`live.media` answers MUTED) and the media
 * flows again only when a moderator unmutes. Inside a network namespace with a veth pair.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { flow, inSfuNamespace, SfuCallFixture, until } from '../sfu-fixture.js';

inSfuNamespace(import.meta.url, 'SFU moderation', 1, sfuModerationTests);

function sfuModerationTests(): void {
  let call: SfuCallFixture;
  let room = '';

  before(async () => {
    call = await SfuCallFixture.start({ liveMeshMax: 2, rtpPorts: '20700-20900' });
  });

  after(async () => {
    await call?.close();
  });

  async function member(name: string) {
    const m = await call.member(name);
    room = call.room;
    return m;
  }

  test('a muted SFU participant’s video stops at the viewers and the client cannot restart it', async () => {
    const ann = await member('Ann');
    const bob = await member('Bob');
    const cat = await member('Cat');
    await ann.c.ok('live.join', { room });
    await bob.c.ok('live.join', { room });
    const [pa, pb] = [call.peer(ann.c), call.peer(bob.c)];
    assert.equal((await cat.c.ok('live.join', { room, media: { video: true } }))['mode'], 'sfu');
    const pc = call.peer(cat.c);
    void pc.startSfu();
    const viewers = [pa, pc];
    await until(
      'Ann and Cat receive both others',
      async () =>
        (await Promise.all(viewers.map((v) => flow(v)))).every(
          (d) => d.length === 2 && d.every((n) => n > 0),
        ),
      20_000,
    );

    const mutedAt = Date.now();
    await ann.c.ok('mod.mute', { room, user: bob.id, video: true });
    // One track (Bob's) stops at each viewer; the other keeps flowing.
    const oneStalled = async (): Promise<boolean> =>
      (await Promise.all(viewers.map((v) => flow(v)))).every(
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
        (await Promise.all(viewers.map((v) => flow(v)))).every(
          (d) => d.length === 2 && d.every((n) => n > 0),
        ),
      10_000,
    );
    assert.notEqual((await bob.c.request('live.media', { room, video: true }))['type'], 'error');

    // Muted, then publishing again (the client renegotiates): still not relayed.
    await ann.c.ok('mod.mute', { room, user: bob.id, video: true });
    await until('Bob’s video stops again', oneStalled, 10_000);
    await pb.startSfu();
    const flowing = async (): Promise<number[]> =>
      (await Promise.all(viewers.map((v) => flow(v)))).map((d) => d.filter((n) => n > 0).length);
    // Nothing to wait for when nothing may arrive: watch a few windows.
    for (let i = 0; i < 4; i++)
      assert.deepEqual(await flowing(), [1, 1], 'only Cat’s (or Ann’s) video flows');
  });
}
