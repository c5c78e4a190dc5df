import type { Server } from 'node:http';

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
    if (msg === 'cpu') {
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
