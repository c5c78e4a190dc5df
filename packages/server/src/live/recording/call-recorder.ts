import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConversionQueue,
  convertGroup,
  defaultRecordingTools,
  groupMjrFiles,
  type ConversionResult,
  type RecordingTools,
} from './convert.js';

/** One publisher's converted (or failed) recording. */
export interface RecordingOutcome {
  room: string;
  /** Janus's file prefix of the publisher (`videoroom-<room>-user-<feed>`); '' when none. */
  prefix: string;
  startedAt: number;
  endedAt: number;
  result: ConversionResult;
}

/**
 * Where a call's raw Janus recordings go and what happens on stop: `<dir>/<room>/<startedAt>/`
 * holds the `.mjr` files; on stop every publisher's files are converted (bounded queue, off the
 * request path) into `<dir>/<room>/<startedAt>-<n>.webm`.
 */
export class CallRecorder {
  readonly #queue: ConversionQueue;
  readonly #tools: RecordingTools;

  constructor(
    readonly dir: string,
    private readonly onOutcome: (o: RecordingOutcome) => void = () => undefined,
    tools: RecordingTools = defaultRecordingTools,
  ) {
    this.#tools = tools;
    this.#queue = new ConversionQueue(1, 32);
  }

  /** The raw directory of a recording that starts now (created). */
  async rawDir(room: string, startedAt: number): Promise<string> {
    const raw = join(this.dir, room, String(startedAt));
    await mkdir(raw, { recursive: true });
    return raw;
  }

  /** Queues the conversion of a stopped recording; resolves when all its files are done. */
  async converted(room: string, startedAt: number, endedAt: number): Promise<RecordingOutcome[]> {
    const raw = join(this.dir, room, String(startedAt));
    const names = await readdir(raw).catch(() => [] as string[]);
    const groups = groupMjrFiles(names);
    const outcomes: RecordingOutcome[] = [];
    if (groups.length === 0) {
      const o = {
        room,
        prefix: '',
        startedAt,
        endedAt,
        result: { state: 'failed', reason: 'nothing was recorded' } as const,
      };
      this.onOutcome(o);
      return [o];
    }
    let n = 0;
    for (const g of groups) {
      const base = `${startedAt}-${++n}`;
      const result = await this.#queue.run(() =>
        convertGroup(this.#tools, raw, g, join(this.dir, room), base),
      );
      const o = { room, prefix: g.prefix, startedAt, endedAt, result };
      this.onOutcome(o);
      outcomes.push(o);
    }
    return outcomes;
  }

  /** The path of a converted file of a room (names come from the store, never from a request). */
  path(room: string, file: string): string {
    return join(this.dir, room, file);
  }

  /** Deletes recordings (files and raw directories) last written more than `days` days ago. */
  async sweep(days: number, now = Date.now()): Promise<number> {
    if (days <= 0) return 0;
    const cutoff = now - days * 86_400_000;
    let removed = 0;
    for (const room of await readdir(this.dir).catch(() => [] as string[])) {
      const roomDir = join(this.dir, room);
      for (const name of await readdir(roomDir).catch(() => [] as string[])) {
        const path = join(roomDir, name);
        const info = await stat(path).catch(() => null);
        if (info && info.mtimeMs < cutoff) {
          await rm(path, { recursive: true, force: true });
          removed++;
        }
      }
    }
    return removed;
  }
}
