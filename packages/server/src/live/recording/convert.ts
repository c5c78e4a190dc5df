import { execFile } from 'node:child_process';
import { stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Turning Janus videoroom recordings (`.mjr`, one per publisher and medium) into playable files.
 * Janus names them `<prefix>-audio[-<mindex>].mjr` / `<prefix>-video[-<mindex>].mjr`; one publisher = one prefix =
 * one output file (audio and video muxed into one webm with ffmpeg when it is installed, else the
 * two files janus-pp-rec writes are kept side by side).
 */

/** The `.mjr` files of one publisher. */
export interface MjrGroup {
  prefix: string;
  audio?: string | undefined;
  video?: string | undefined;
}

/**
 * Groups `.mjr` file names by publisher: one group per publish, audio and video together.
 * Janus 1.x names a track `<prefix>-<time>-<audio|video>-<m-line>.mjr` with the time taken per
 * track, so audio and video of one publish differ in `<time>`: files are keyed by the prefix
 * without it (`videoroom-<room>-user-<feed>`), ordered by time, and paired in that order (a
 * second audio or video of the same publisher starts its next group, e.g. after a re-publish).
 * Other names are ignored.
 */
export function groupMjrFiles(names: readonly string[]): MjrGroup[] {
  const tracks: { key: string; time: number; kind: 'audio' | 'video'; name: string }[] = [];
  for (const name of names) {
    const m = /^(.+?)(?:-(\d+))?-(audio|video)(?:-\d+)?\.mjr$/.exec(name);
    if (!m) continue;
    tracks.push({ key: m[1]!, time: Number(m[2] ?? 0), kind: m[3] as 'audio' | 'video', name });
  }
  tracks.sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : x.time - y.time));
  const groups: MjrGroup[] = [];
  let current: MjrGroup | undefined;
  for (const t of tracks) {
    if (!current || current.prefix !== t.key || current[t.kind] !== undefined) {
      current = { prefix: t.key };
      groups.push(current);
    }
    current[t.kind] = t.name;
  }
  return groups;
}

export interface RecordingTools {
  ppRec: string;
  /** null when ffmpeg is not installed: audio and video stay separate files. */
  ffmpeg: string | null;
  ffprobe: string | null;
}

export const defaultRecordingTools: RecordingTools = {
  ppRec: '/usr/bin/janus-pp-rec',
  ffmpeg: '/usr/bin/ffmpeg',
  ffprobe: '/usr/bin/ffprobe',
};

function run(cmd: string, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) {
        const tail = String(stderr).trim().split('\n').slice(-3).join(' | ');
        reject(new Error(`${cmd.split('/').pop()} failed: ${tail || err.message}`));
      } else resolve(String(stdout));
    });
  });
}

export interface ProbeResult {
  durationSec: number;
  streams: ('audio' | 'video')[];
}

/** Duration and stream kinds of a media file, from ffprobe. */
export async function probeMedia(ffprobe: string, file: string): Promise<ProbeResult> {
  const out = await run(ffprobe, [
    '-v',
    'error',
    '-show_entries',
    'format=duration:stream=codec_type',
    '-of',
    'json',
    file,
  ]);
  const parsed = JSON.parse(out) as { format?: { duration?: string }; streams?: { codec_type?: string }[] };
  const durationSec = Number(parsed.format?.duration ?? NaN);
  const streams = (parsed.streams ?? [])
    .map((s) => s.codec_type)
    .filter((t): t is 'audio' | 'video' => t === 'audio' || t === 'video');
  return { durationSec: Number.isFinite(durationSec) ? durationSec : 0, streams };
}

export type ConversionResult =
  | {
      state: 'ready';
      files: { name: string; size: number }[];
      durationSec: number | null;
      /** The media kinds of the first (with ffmpeg: the only) file, from ffprobe ([] without it). */
      streams: ('audio' | 'video')[];
      muxed: boolean;
    }
  | { state: 'failed'; reason: string };

/**
 * Converts one publisher's `.mjr` files in `dir` into `<outBase>.webm` (muxed) or
 * `<outBase>-audio.opus` + `<outBase>-video.webm` (no ffmpeg). Never throws: a failure is a
 * `failed` result with its reason.
 */
export async function convertGroup(
  tools: RecordingTools,
  dir: string,
  group: MjrGroup,
  outDir: string,
  outBase: string,
): Promise<ConversionResult> {
  const tmp: string[] = [];
  try {
    if (!group.audio && !group.video) return { state: 'failed', reason: 'no audio or video track recorded' };
    const audioOut = group.audio ? join(outDir, `${outBase}-audio.opus`) : null;
    const videoOut = group.video ? join(outDir, `${outBase}-video.webm`) : null;
    if (group.audio && audioOut) await run(tools.ppRec, [join(dir, group.audio), audioOut]);
    if (group.video && videoOut) await run(tools.ppRec, [join(dir, group.video), videoOut]);
    let outputs = [audioOut, videoOut].filter((f): f is string => f !== null);
    let muxed = false;
    if (tools.ffmpeg) {
      const final = join(outDir, `${outBase}.webm`);
      const inputs = outputs.flatMap((f) => ['-i', f]);
      await run(tools.ffmpeg, ['-y', '-v', 'error', ...inputs, '-c', 'copy', final]);
      tmp.push(...outputs);
      outputs = [final];
      muxed = true;
    }
    const files: { name: string; size: number }[] = [];
    for (const f of outputs) files.push({ name: f.slice(outDir.length + 1), size: (await stat(f)).size });
    let durationSec: number | null = null;
    let streams: ('audio' | 'video')[] = [];
    if (tools.ffprobe) ({ durationSec, streams } = await probeMedia(tools.ffprobe, outputs[0]!));
    return { state: 'ready', files, durationSec, streams, muxed };
  } catch (err) {
    return { state: 'failed', reason: err instanceof Error ? err.message : String(err) };
  } finally {
    for (const f of tmp) await unlink(f).catch(() => undefined);
  }
}

/**
 * A bounded conversion queue off the hot path: at most `concurrency` conversions run at once and
 * at most `maxPending` wait; beyond that a job is refused with a `failed` result at once.
 */
export class ConversionQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly concurrency = 1,
    private readonly maxPending = 32,
  ) {}

  async run(job: () => Promise<ConversionResult>): Promise<ConversionResult> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxPending) return { state: 'failed', reason: 'conversion queue full' };
      // The slot is handed over by the job that finishes (running stays counted).
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.running++;
    try {
      return await job().catch((err: unknown) => ({
        state: 'failed' as const,
        reason: err instanceof Error ? err.message : String(err),
      }));
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
