import { writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { Session } from 'node:inspector';
import { writeHeapSnapshot } from 'node:v8';

/**
 * The measured phase's CPU profile: the bench sends 'prof:start' before it and 'prof:stop:<name>'
 * after it when BENCH_PROFILE (a directory) is set; the profile is written there as
 * <name>.cpuprofile, sampled every BENCH_PROFILE_INTERVAL µs when that is set (open it in Chrome
 * DevTools, or `npx tsx bench/profile-top.ts <file>`).
 */
let inspector: Session | undefined;
function profile(msg: string): void {
  if (msg === 'prof:start') {
    inspector = new Session();
    inspector.connect();
    // BENCH_PROFILE_INTERVAL: the sampling interval in µs (V8's default is 1000; 50 sees more).
    const interval = Number(process.env['BENCH_PROFILE_INTERVAL'] ?? 0);
    inspector.post('Profiler.enable', () => {
      if (interval > 0) inspector?.post('Profiler.setSamplingInterval', { interval });
      inspector?.post('Profiler.start');
    });
    return;
  }
  const name = msg.slice('prof:stop:'.length);
  const session = inspector;
  inspector = undefined;
  session?.post('Profiler.stop', (err, result) => {
    const dir = process.env['BENCH_PROFILE'];
    if (!err && dir) writeFileSync(`${dir}/${name}.cpuprofile`, JSON.stringify(result.profile));
    session.disconnect();
    process.send?.({ profiled: name });
  });
}

/**
 * Glue for bench servers running as forked children: report the listening port to the parent and
 * answer 'cpu' with this process's CPU time and RSS, so the bench measures server CPU, not wall
 * clock. 'mem' collects garbage first (the child runs with --expose-gc), for RSS deltas.
 */
export function serveBenchIpc(
  port: number,
  extra: Record<string, unknown> = {},
  onStop?: () => Promise<void>,
): void {
  if (!process.send) throw new Error('run me with child_process.fork');
  const report = (): void => {
    const u = process.cpuUsage();
    process.send?.({ cpuMicros: u.user + u.system, rss: process.memoryUsage().rss });
  };
  process.on('message', (msg: unknown) => {
    if (typeof msg === 'string' && msg.startsWith('prof:')) {
      profile(msg);
    } else if (typeof msg === 'string' && msg.startsWith('heap:')) {
      // A heap snapshot to the path given, after a full GC (bench/heap-idle.ts diffs two).
      (globalThis as { gc?: () => void }).gc?.();
      writeHeapSnapshot(msg.slice('heap:'.length));
      process.send?.({ heap: msg.slice('heap:'.length) });
    } else if (msg === 'cpu') {
      report();
    } else if (msg === 'mem') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      // Let freed pages go back before reading RSS.
      setTimeout(report, 50);
    } else if (msg === 'stop') {
      void (onStop ? onStop() : Promise.resolve()).then(() => process.exit(0));
    }
  });
  // Never outlive the bench: when it goes away, so does this server.
  process.on('disconnect', () => process.exit(0));
  process.send({ port, ...extra });
}

export type { Server };
