// Helpers shared by the benches: a server in a forked child that reports its own CPU time, and a
// raw WebSocket client.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { bundled } from './bundle.js';

export const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

export async function startChild(script: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(await bundled(script), {
    execArgv: [
      '--expose-gc',
      ...(process.env['BENCH_CPU_PROF']
        ? ['--cpu-prof', '--cpu-prof-dir', process.env['BENCH_CPU_PROF']]
        : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { port: number }).port));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return { child, port };
}

export function cpu(
  child: ChildProcess,
  what: 'cpu' | 'mem' = 'cpu',
): Promise<{ cpuMicros: number; rss: number }> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as { cpuMicros: number; rss: number }));
    child.send(what);
  });
}

/** A server under test, whatever runs it: CPU time and RSS of its process, and a way to stop it. */
export interface BenchServer {
  port: number;
  cpuMicros(): Promise<number>;
  /** RSS in bytes, after a full garbage collection where the runtime allows one. */
  rss(): Promise<number>;
  stop(): Promise<void>;
  /** Profile the measured phase only (when BENCH_PROFILE names a directory; else no-ops). */
  profileStart?(): void;
  profileStop?(name: string): Promise<void>;
  /** Write a heap snapshot of the server's process to `path` (after a full GC). */
  heapSnapshot?(path: string): Promise<void>;
}

/** Start a bench server script (one that calls serveBenchIpc) in a forked Node child. */
export async function nodeServer(script: string): Promise<BenchServer> {
  const { child, port } = await startChild(script);
  return {
    port,
    cpuMicros: async () => (await cpu(child)).cpuMicros,
    rss: async () => (await cpu(child, 'mem')).rss,
    profileStart() {
      if (process.env['BENCH_PROFILE']) child.send('prof:start');
    },
    async profileStop(name) {
      if (!process.env['BENCH_PROFILE']) return;
      const done = new Promise<void>((resolve) => {
        const on = (m: unknown): void => {
          if ((m as { profiled?: string }).profiled === name) {
            child.off('message', on);
            resolve();
          }
        };
        child.on('message', on);
      });
      child.send(`prof:stop:${name}`);
      await done;
    },
    heapSnapshot(path) {
      return new Promise<void>((resolve) => {
        const on = (m: unknown): void => {
          if ((m as { heap?: string }).heap === path) {
            child.off('message', on);
            resolve();
          }
        };
        child.on('message', on);
        child.send(`heap:${path}`);
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // A graceful stop lets --cpu-prof write its profile; a stuck child is killed after 5 s.
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send('stop');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function open(url: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Send a request over a raw socket and wait for its reply. */
export function rpc(ws: WebSocket, message: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData): void => {
      const m = JSON.parse(data.toString()) as Record<string, unknown>;
      if (m['id'] === message['id']) {
        ws.off('message', onMessage);
        resolve(m);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify(message));
  });
}
