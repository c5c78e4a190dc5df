// Fan-out bench: deliveries per server CPU-second for one room, Presence against the baselines
// (bare ws, Socket.io 4, Prosody MUC), same load generator, same run.
import { Deliveries, windowedBurst } from './deliveries.js';
import type { Target } from './target.js';
import { prosody } from './target-prosody.js';
import { presence } from './target-presence.js';
import { socketIo } from './target-socketio.js';
import { wsBaseline } from './target-ws.js';

export interface FanoutResult {
  target: string;
  members: number;
  messages: number;
  deliveries: number;
  cpuSeconds: number;
  perCpuSecond: number;
}

async function run(
  target: Target,
  members: number,
  messages: number,
  seconds: number,
  warmup: number,
): Promise<FanoutResult> {
  const server = await target.start();
  try {
    const d = new Deliveries();
    const room = await target.room(server, members, d.deliver);
    await windowedBurst(room, d, Math.min(200, messages), performance.now() + warmup * 1000);
    const before = await server.cpuMicros();
    // Bounded in time: a slow server delivers fewer messages, and is measured on those.
    const delivered = await windowedBurst(room, d, messages, performance.now() + seconds * 1000);
    const after = await server.cpuMicros();
    room.close();
    const cpuSeconds = (after - before) / 1e6;
    const deliveries = delivered * room.receivers;
    return {
      target: target.name,
      members,
      messages: delivered,
      deliveries,
      cpuSeconds,
      perCpuSecond: deliveries / cpuSeconds,
    };
  } finally {
    await server.stop();
  }
}

/**
 * Rooms of 100 (and 1,000 at full size) for Presence, ws and Socket.io; Prosody only at 100: its
 * MUC join alone costs N² presence stanzas, about a minute of Prosody CPU for 1,000 members.
 */
export async function fanoutBench(quick: boolean): Promise<FanoutResult[]> {
  const sizes = quick ? [100] : [100, 1000];
  const seconds = quick ? 1 : 8;
  const warmup = quick ? 0.5 : 2;
  const results: FanoutResult[] = [];
  for (const members of sizes) {
    const messages = quick ? 1000 : members >= 1000 ? 1000 : 5000;
    const targets =
      members > 100 ? [wsBaseline, presence, socketIo] : [wsBaseline, presence, socketIo, prosody];
    for (const target of targets) results.push(await run(target, members, messages, seconds, warmup));
  }
  return results;
}
