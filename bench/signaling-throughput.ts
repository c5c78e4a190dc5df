// Signaling throughput: live.signal messages relayed per server CPU-second between two call
// participants (each an offer-sized payload), with the server in its own process.
import type WebSocket from 'ws';
import { cpu, here, open, rpc, startChild } from './bench-child.js';

const SDP = `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n${'a=x-filler:0123456789abcdef\r\n'.repeat(60)}`;

export interface SignalingThroughput {
  messages: number;
  cpuSeconds: number;
  perCpuSecond: number;
  payloadBytes: number;
}

export async function signalingThroughput(messages: number): Promise<SignalingThroughput> {
  const { child, port } = await startChild(here('./presence-server.ts'));
  try {
    const url = `ws://127.0.0.1:${port}/ws`;
    const a = await open(url);
    const b = await open(url);
    await rpc(a, { type: 'hello', id: 1, v: 1, name: 'a' });
    const welcomeB = await rpc(b, { type: 'hello', id: 1, v: 1, name: 'b' });
    const created = await rpc(a, { type: 'room.create', id: 2 });
    const room = ((created['result'] as Record<string, unknown>)['room'] as Record<string, unknown>)['id'];
    await rpc(b, { type: 'room.join', id: 2, room });
    await rpc(a, { type: 'live.join', id: 3, room });
    await rpc(b, { type: 'live.join', id: 3, room });
    const to = welcomeB['sessionId'];
    let received = 0;
    b.on('message', (data: Buffer) => {
      if (data.includes('"live.signal"')) received++;
    });
    const send = (ws: WebSocket, i: number): void =>
      ws.send(
        JSON.stringify({ type: 'live.signal', id: 100 + i, room, to, signal: { kind: 'offer', sdp: SDP } }),
      );
    const burst = async (n: number): Promise<void> => {
      const start = received;
      for (let i = 0; i < n; i++) {
        send(a, i);
        // At most 100 in flight, so the rate limiter's queue and the socket buffers stay small.
        while (i + 1 - (received - start) > 100) await new Promise((r) => setImmediate(r));
      }
      while (received - start < n) await new Promise((r) => setTimeout(r, 1));
    };
    await burst(500);
    const before = await cpu(child);
    await burst(messages);
    const after = await cpu(child);
    const cpuSeconds = (after.cpuMicros - before.cpuMicros) / 1e6;
    a.terminate();
    b.terminate();
    return { messages, cpuSeconds, perCpuSecond: messages / cpuSeconds, payloadBytes: SDP.length };
  } finally {
    child.send('stop');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}
