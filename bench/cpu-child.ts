import type { Server } from 'node:http';

/**
 * Glue for bench servers running as forked children: report the listening port to the parent and
 * answer 'cpu' with this process's CPU time, so the bench measures server CPU, not wall clock.
 */
export function serveBenchIpc(
  port: number,
  extra: Record<string, unknown> = {},
  onStop?: () => Promise<void>,
): void {
  if (!process.send) throw new Error('run me with child_process.fork');
  process.on('message', (msg: unknown) => {
    if (msg === 'cpu') {
      const u = process.cpuUsage();
      process.send?.({ cpuMicros: u.user + u.system, rss: process.memoryUsage().rss });
    } else if (msg === 'stop') {
      void (onStop ? onStop() : Promise.resolve()).then(() => process.exit(0));
    }
  });
  process.send({ port, ...extra });
}

export type { Server };
