// Per-message server work: one member alone in a room sends plain 150-character messages, so
// the server CPU per message is what every message costs whatever the room size (decode,
// validation, rights, seq, recent window, event build, ack, and the echo to the sender), with no
// other recipient. Windowed by acks like the fan-out publisher.
import { here, nodeServer, open, rpc } from './bench-child.js';
import { stampedText } from './deliveries.js';

export interface PerMessageRow {
  /** Protocol version of the client (2: lean echo; 1: the full shape). */
  v: 1 | 2;
  messages: number;
  cpuSeconds: number;
  microsPerMessage: number;
  /** Bytes of the echo the sender gets (its own message event, WebSocket payload). */
  echoBytes: number;
}

async function measure(v: 1 | 2, messages: number, warmup: number): Promise<PerMessageRow> {
  const server = await nodeServer(here('./presence-server.ts'));
  try {
    const ws = await open(`ws://127.0.0.1:${server.port}/ws`);
    await rpc(ws, { type: 'hello', id: 1, v, name: 'solo' });
    const created = await rpc(ws, { type: 'room.create', id: 2 });
    const room = ((created['result'] as Record<string, unknown>)['room'] as Record<string, unknown>)['id'];
    let acked = 0;
    let echoBytes = 0;
    let waiter: (() => void) | undefined;
    let goal = 0;
    ws.on('message', (data: Buffer) => {
      if (data.includes('"type":"ok"')) {
        acked++;
        if (waiter && acked >= goal) {
          const w = waiter;
          waiter = undefined;
          w();
        }
      } else if (data.includes('"type":"message"')) echoBytes = data.length;
    });
    const until = (n: number): Promise<void> =>
      acked >= n
        ? Promise.resolve()
        : new Promise((resolve) => {
            goal = n;
            waiter = resolve;
          });
    let id = 10;
    const burst = async (n: number): Promise<void> => {
      const start = acked;
      for (let i = 0; i < n; i++) {
        ws.send(JSON.stringify({ type: 'chat.send', id: id++, room, text: stampedText() }));
        if (i >= 50) await until(start + i - 50);
      }
      await until(start + n);
    };
    await burst(warmup);
    const before = await server.cpuMicros();
    server.profileStart?.();
    await burst(messages);
    const after = await server.cpuMicros();
    await server.profileStop?.(`per-message-v${v}`);
    ws.terminate();
    const cpuSeconds = (after - before) / 1e6;
    return { v, messages, cpuSeconds, microsPerMessage: (cpuSeconds * 1e6) / messages, echoBytes };
  } finally {
    await server.stop();
  }
}

export async function perMessageBench(quick: boolean): Promise<PerMessageRow[]> {
  const n = quick ? 5_000 : 30_000;
  return [await measure(2, n, 2_000), await measure(1, n, 2_000)];
}
