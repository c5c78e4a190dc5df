import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { CallRecorder } from '../../src/live/recording/call-recorder.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  ConversionQueue,
  convertGroup,
  defaultRecordingTools,
  groupMjrFiles,
  probeMedia,
} from '../../src/live/recording/convert.js';

const haveFfmpeg = existsSync('/usr/bin/ffmpeg') && existsSync('/usr/bin/ffprobe');

test('mjr files are grouped per publisher, audio and video together although Janus times each track', () => {
  const groups = groupMjrFiles([
    'videoroom-r1-user-2-1795310700123456-video-1.mjr',
    // One publish: Janus takes the time per track, so audio and video differ in it.
    'videoroom-r1-user-1-1795310700100001-audio-0.mjr',
    'videoroom-r1-user-1-1795310700100950-video-1.mjr',
    // The same publisher again after a re-publish: a group of its own.
    'videoroom-r1-user-1-1795310730000000-video-1.mjr',
    'videoroom-r1-user-1-1795310730000400-audio-0.mjr',
    'notes.txt',
  ]);
  assert.deepEqual(groups, [
    {
      prefix: 'videoroom-r1-user-1',
      audio: 'videoroom-r1-user-1-1795310700100001-audio-0.mjr',
      video: 'videoroom-r1-user-1-1795310700100950-video-1.mjr',
    },
    {
      prefix: 'videoroom-r1-user-1',
      video: 'videoroom-r1-user-1-1795310730000000-video-1.mjr',
      audio: 'videoroom-r1-user-1-1795310730000400-audio-0.mjr',
    },
    { prefix: 'videoroom-r1-user-2', video: 'videoroom-r1-user-2-1795310700123456-video-1.mjr' },
  ]);
});

test(
  'ffprobe reports duration and stream kinds of a webm',
  { skip: !haveFfmpeg && 'no ffmpeg' },
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rec-probe-'));
    try {
      const file = join(dir, 'a.webm');
      execFileSync('/usr/bin/ffmpeg', [
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        'testsrc=size=160x120:rate=15',
        '-f',
        'lavfi',
        '-i',
        'sine=frequency=440',
        '-t',
        '2',
        '-c:v',
        'libvpx',
        '-c:a',
        'libopus',
        file,
      ]);
      const probe = await probeMedia('/usr/bin/ffprobe', file);
      console.log('probe', probe);
      assert.ok(Math.abs(probe.durationSec - 2) < 0.5, `duration ${probe.durationSec}`);
      assert.deepEqual([...probe.streams].sort(), ['audio', 'video']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
);

test('a broken .mjr is a failed conversion with a reason, never a throw', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rec-bad-'));
  try {
    await writeFile(join(dir, 'x-audio.mjr'), 'not a recording');
    const [group] = groupMjrFiles(['x-audio.mjr']);
    const result = await convertGroup(defaultRecordingTools, dir, group!, dir, 'out');
    assert.equal(result.state, 'failed');
    assert.ok(result.state === 'failed' && result.reason.length > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the conversion queue runs at most `concurrency` jobs and refuses beyond maxPending', async () => {
  const q = new ConversionQueue(1, 1);
  let active = 0;
  let peak = 0;
  const job = async () => {
    active++;
    peak = Math.max(peak, active);
    await new Promise((r) => setTimeout(r, 20));
    active--;
    return { state: 'failed' as const, reason: 'test' };
  };
  const results = await Promise.all([q.run(job), q.run(job), q.run(job)]);
  assert.equal(peak, 1);
  assert.deepEqual(
    results.map((r) => r.state === 'failed' && r.reason),
    ['test', 'test', 'conversion queue full'],
  );
});

test('the retention sweep deletes recordings older than the retention, keeps newer ones', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'rec-sweep-'));
  try {
    const recorder = new CallRecorder(dir);
    await mkdir(join(dir, 'room1'), { recursive: true });
    await writeFile(join(dir, 'room1', 'old.webm'), 'x');
    await writeFile(join(dir, 'room1', 'new.webm'), 'y');
    const old = new Date(Date.now() - 3 * 86_400_000);
    await utimes(join(dir, 'room1', 'old.webm'), old, old);
    assert.equal(await recorder.sweep(0), 0);
    assert.equal(await recorder.sweep(2), 1);
    assert.deepEqual(await readdir(join(dir, 'room1')), ['new.webm']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
