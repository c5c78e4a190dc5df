// Fan-out bench: deliveries per server CPU-second for one room, Presence against the baselines
// (bare ws, Socket.io 4, Prosody MUC), same load generator, same run.
import { Deliveries, windowedBurst } from './deliveries.js';
import type { Target } from './target.js';
import { prosody } from './target-prosody.js';
import { presence, presenceV1 } from './target-presence.js';
import { socketIo } from './target-socketio.js';
import { wsBaseline, wsBaselineAt } from './target-ws.js';

export interface FanoutResult {
  target: string;
  members: number;
  messages: number;
  deliveries: number;
  cpuSeconds: number;
  perCpuSecond: number;
  /** Payload bytes per delivery (WebSocket targets that hand over whole payloads; else undefined). */
  bytesPerDelivery?: number;
}

/** Targets whose receivers hand the whole payload to `deliver` (Socket.io passes the text only). */
const WHOLE_PAYLOADS = new Set(['ws-baseline', 'ws-baseline (padded)', 'presence', 'presence v1']);

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
    const [count0, bytes0] = [d.count, d.bytes];
    server.profileStart?.();
    // Bounded in time: a slow server delivers fewer messages, and is measured on those.
    const delivered = await windowedBurst(room, d, messages, performance.now() + seconds * 1000);
    const after = await server.cpuMicros();
    await server.profileStop?.(`fanout-${target.name.replace(/\W+/g, '-')}-${members}`);
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
      ...(WHOLE_PAYLOADS.has(target.name) && { bytesPerDelivery: (d.bytes - bytes0) / (d.count - count0) }),
    };
  } finally {
    await server.stop();
  }
}

/**
 * Rooms of 100 (and 1,000 at full size) for Presence (protocol v2, and v1 for comparison), ws and
 * Socket.io; Prosody only at 100: its MUC join alone costs N² presence stanzas, about a minute of
 * Prosody CPU for 1,000 members. After Presence, the bare-ws baseline once more with its events
 * padded to Presence's bytes per delivery: the ratio at equal bytes shows the server's cost apart
 * from the protocol's.
 */
export async function fanoutBench(quick: boolean, only?: string[]): Promise<FanoutResult[]> {
  const sizes = quick ? [100] : [100, 1000];
  const seconds = quick ? 1 : 8;
  const warmup = quick ? 0.5 : 2;
  const results: FanoutResult[] = [];
  const wanted = (t: string): boolean => only === undefined || only.includes(t);
  for (const members of sizes) {
    const messages = quick ? 1000 : members >= 1000 ? 1000 : 5000;
    const targets = [wsBaseline, presence, presenceV1, socketIo, ...(members > 100 ? [] : [prosody])];
    for (const target of targets) {
      if (wanted(target.name)) results.push(await run(target, members, messages, seconds, warmup));
    }
    const ws = results.find((r) => r.target === 'ws-baseline' && r.members === members)?.bytesPerDelivery;
    const ours = results.find((r) => r.target === 'presence' && r.members === members)?.bytesPerDelivery;
    if (ws !== undefined && ours !== undefined && ours > ws + 9 && wanted('ws-baseline (padded)')) {
      results.push(await run(wsBaselineAt(Math.round(ours - ws)), members, messages, seconds, warmup));
    }
  }
  return results;
}
