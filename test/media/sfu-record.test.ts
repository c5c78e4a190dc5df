// test-needs: janus
/**
 * Recording an SFU call: an owner starts `live.record`, a werift publisher sends ~4 s of VP8, the
 * owner stops; the server converts Janus's `.mjr` files (janus-pp-rec, ffmpeg) into a webm whose
 * ffprobe duration matches the recorded time within 1 s. A member who is not an owner or admin
 * gets FORBIDDEN. Inside a network namespace with a veth pair.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { flow, inSfuNamespace, SfuCallFixture, until } from '../sfu-fixture.js';

inSfuNamespace(import.meta.url, 'SFU recording', 1, sfuRecordTests);

function sfuRecordTests(): void {
  let call: SfuCallFixture;
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'presence-rec-'));
    call = await SfuCallFixture.start({
      liveMeshMax: 1,
      rtpPorts: '20950-21100',
      config: { recordingsDir: dir, liveMediaMode: 'sfu' },
    });
  });

  after(async () => {
    await call?.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a recorded SFU call becomes a webm as long as the recording; members cannot record', async () => {
    const ann = await call.member('Ann');
    const bob = await call.member('Bob');
    const room = call.room;
    assert.equal((await ann.c.ok('live.join', { room, media: { video: true } }))['mode'], 'sfu');
    const pa = call.peer(ann.c);
    void pa.startSfu();
    await bob.c.ok('live.join', { room });
    const pb = call.peer(bob.c, null);
    void pb.startSfu();
    await until('Bob receives Ann', async () => (await flow(pb)).some((n) => n > 0), 20_000);

    const refused = await bob.c.request('live.record', { room, on: true });
    assert.equal(refused['code'], 'FORBIDDEN');

    const started = await ann.c.ok('live.record', { room, on: true });
    const t0 = Date.now();
    assert.ok(started['recording'], 'recording now');
    await new Promise((r) => setTimeout(r, 4000));
    await ann.c.ok('live.record', { room, on: false });
    const recorded = (Date.now() - t0) / 1000;

    const roomDir = join(dir, room);
    let webm = '';
    await until(
      'the converted webm',
      async () => {
        webm = (await readdir(roomDir).catch(() => [] as string[])).find((f) => f.endsWith('.webm')) ?? '';
        return webm !== '';
      },
      30_000,
    );
    const probe = JSON.parse(
      execFileSync('/usr/bin/ffprobe', [
        '-v',
        'error',
        '-show_entries',
        'format=duration:stream=codec_type',
        '-of',
        'json',
        join(roomDir, webm),
      ]).toString(),
    ) as { format: { duration: string }; streams: { codec_type: string }[] };
    const duration = Number(probe.format.duration);
    console.log(
      `recording: recorded ${recorded.toFixed(2)} s, ffprobe ${duration.toFixed(2)} s, streams ${probe.streams.map((s) => s.codec_type).join(',')}`,
    );
    assert.ok(Math.abs(duration - recorded) <= 1, `ffprobe ${duration} s vs recorded ${recorded} s`);
    assert.ok(
      probe.streams.some((s) => s.codec_type === 'video'),
      'a video stream',
    );
  });
}
