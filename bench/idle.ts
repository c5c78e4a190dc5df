// Idle bench: memory per idle connection (hello done and in a room of 10 where the target has
// rooms), as the server's RSS delta after GC plus the kernel's TCP socket memory delta.
import { tcpSocketMemory } from './proc.js';
import type { Target } from './target.js';
import { presence } from './target-presence.js';
import { socketIo } from './target-socketio.js';
import { wsBaseline } from './target-ws.js';

export interface IdleRow {
  target: string;
  connections: number;
  rssPerConnection: number;
  kernelPerConnection: number;
}

const WARM = 50;

async function measure(target: Target, connections: number): Promise<IdleRow> {
  if (!target.idle) throw new Error(`${target.name} has no idle workload`);
  const server = await target.start();
  try {
    // A first batch loads and compiles every code path, so the delta is the connections alone.
    const closeWarm = await target.idle(server, WARM);
    await new Promise((r) => setTimeout(r, 200));
    const rss0 = await server.rss();
    const kernel0 = await tcpSocketMemory();
    const close = await target.idle(server, connections);
    await new Promise((r) => setTimeout(r, 500));
    const rss1 = await server.rss();
    const kernel1 = await tcpSocketMemory();
    close();
    closeWarm();
    return {
      target: target.name,
      connections,
      rssPerConnection: (rss1 - rss0) / connections,
      kernelPerConnection: (kernel1 - kernel0) / connections,
    };
  } finally {
    await server.stop();
  }
}

export async function idleBench(quick: boolean): Promise<IdleRow[]> {
  const connections = quick ? 2_000 : 10_000;
  const rows: IdleRow[] = [];
  for (const target of [presence, wsBaseline, socketIo]) rows.push(await measure(target, connections));
  return rows;
}
