// Helpers shared by the benches: a server in a forked child that reports its own CPU time, and a
// raw WebSocket client.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export const here = (f: string): string => fileURLToPath(new URL(f, import.meta.url));

export async function startChild(script: string): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(script, {
    execArgv: [
      '--import',
      'tsx',
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

export function cpu(child: ChildProcess): Promise<{ cpuMicros: number; rss: number }> {
  return new Promise((resolve) => {
    child.once('message', (m) => resolve(m as { cpuMicros: number; rss: number }));
    child.send('cpu');
  });
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
