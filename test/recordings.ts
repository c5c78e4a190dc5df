/**
 * Test helpers for recordings: wait for the converted webm of a room and read it with ffprobe
 * (directly, not through the server's own probe, so that the test checks the file as a player
 * would see it).
 */
import { execFileSync } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The first `.webm` that appears in `dir` within `timeoutMs`; throws when none does. */
export async function waitForWebm(dir: string, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const webm = (await readdir(dir).catch(() => [] as string[])).find((f) => f.endsWith('.webm'));
    if (webm) return join(dir, webm);
    if (Date.now() > deadline) throw new Error(`no converted webm in ${dir} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Duration (seconds) and stream kinds of a media file, from Debian's ffprobe. */
export function ffprobe(file: string): { duration: number; streams: string[] } {
  const out = execFileSync('/usr/bin/ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format=duration:stream=codec_type',
    '-of',
    'json',
    file,
  ]).toString();
  const parsed = JSON.parse(out) as { format: { duration: string }; streams: { codec_type: string }[] };
  return { duration: Number(parsed.format.duration), streams: parsed.streams.map((s) => s.codec_type) };
}
