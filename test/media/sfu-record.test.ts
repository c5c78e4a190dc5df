// test-needs: janus
/**
 * Recording an SFU call: an owner starts `live.record`, a werift publisher sends ~4 s of VP8, the
 * owner stops; the server converts Janus's `.mjr` files (janus-pp-rec, ffmpeg) into a webm whose
 * ffprobe duration matches the recorded time within 1 s. A member who is not an owner or admin
 * gets FORBIDDEN. The converted file is then listed for members (`live.recordings`, publisher
 * named), downloaded over HTTP by a member only, and deleted by an owner only. Inside a network
 * namespace with a veth pair.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Json } from '../raw-client.js';
import { flow, inSfuNamespace, SfuCallFixture, until } from '../sfu-fixture.js';

inSfuNamespace(import.meta.url, 'SFU recording', 2, sfuRecordTests);

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

  let recordingId = '';
  let bobToken = '';

  test('a recorded SFU call becomes a webm as long as the recording; members cannot record', async () => {
    const ann = await call.member('Ann');
    const bob = await call.member('Bob');
    bobToken = bob.token;
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
    const ready = bob.c.event('live.recording.ready', (m) => m['room'] === room, 30_000);
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

    // The file is announced and listed for members, with the publisher named.
    const announced = (await ready)['recording'] as Json;
    recordingId = announced['id'] as string;
    const listed = (await bob.c.ok('live.recordings', { room }))['recordings'] as Json[];
    assert.equal(listed.length, 1);
    assert.deepEqual(listed[0], announced);
    assert.equal((listed[0]!['publisher'] as Json)['name'], 'Ann');
    assert.equal((listed[0]!['by'] as Json)['name'], 'Ann');
    assert.ok(Math.abs((listed[0]!['duration'] as number) - duration) < 0.2, 'duration listed');
    assert.ok((listed[0]!['streams'] as string[]).includes('video'));
  });

  test('recordings: members download, others get 404, owners delete', async () => {
    assert.ok(recordingId, 'the first test made a recording');
    const room = call.room;
    const [ann, bob] = call.clients;
    const stranger = await call.member('Carl');
    const url = `${call.srv.httpUrl}/api/recordings/${recordingId}`;

    const got = await fetch(url, { headers: { authorization: `Bearer ${bobToken}` } });
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'video/webm');
    assert.match(got.headers.get('content-disposition') ?? '', /^attachment/);
    const bytes = Buffer.from(await got.arrayBuffer());
    assert.ok(bytes.length > 10_000, `a real file (${bytes.length} bytes)`);
    assert.equal(bytes.subarray(0, 4).toString('hex'), '1a45dfa3', 'EBML (webm) header');

    // A stranger (a fresh user who left the room) and no token at all get nothing.
    await stranger.c.ok('room.leave', { room });
    const refused = await fetch(url, { headers: { authorization: `Bearer ${stranger.token}` } });
    assert.equal(refused.status, 404);
    assert.equal(((await refused.json()) as Json)['code'], 'FILE_NOT_FOUND');
    assert.equal((await fetch(url)).status, 401);
    assert.equal((await stranger.c.request('live.recordings', { room }))['code'], 'NOT_IN_ROOM');

    // Bob is a member, not an owner: he cannot delete; Ann can, and everyone present hears it.
    assert.equal(
      (await bob!.request('live.recording.delete', { room, recording: recordingId }))['code'],
      'FORBIDDEN',
    );
    assert.equal(
      (await ann!.request('live.recording.delete', { room, recording: 'nosuchrecording' }))['code'],
      'FILE_NOT_FOUND',
    );
    const deleted = bob!.event('live.recording.deleted', (m) => m['recording'] === recordingId);
    await ann!.ok('live.recording.delete', { room, recording: recordingId });
    await deleted;
    assert.deepEqual((await bob!.ok('live.recordings', { room }))['recordings'], []);
    assert.equal((await fetch(url, { headers: { authorization: `Bearer ${bobToken}` } })).status, 404);
  });
}
