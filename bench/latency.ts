// Latency bench: the saturation rate of a Presence room of 100 (windowed publisher), then
// publish→deliver percentiles at fixed rates of 25/50/75 % of it, for Presence and the baselines
// at the same absolute rates. Each rate runs for a bounded time; deliveries are sampled at every
// 10th receiver from the publish time carried in the text.
import type { BenchServer } from './bench-child.js';
import { Deliveries, percentile, stampedText, windowedBurst } from './deliveries.js';
import type { FanoutRoom, Target } from './target.js';
import { presence } from './target-presence.js';
import { socketIo } from './target-socketio.js';
import { wsBaseline } from './target-ws.js';

const MEMBERS = 100;
const SHARES = [0.25, 0.5, 0.75];

export interface LatencyRow {
  target: string;
  share: number;
  rate: number;
  sent: number;
  /** Fraction of the expected deliveries that arrived before the drain deadline. */
  delivered: number;
  samples: number;
  p50: number;
  p99: number;
  p999: number;
}

export interface LatencyResult {
  members: number;
  saturation: number;
  rows: LatencyRow[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Messages per second fully delivered to every receiver by the windowed publisher. */
async function saturation(room: FanoutRoom, d: Deliveries, seconds: number): Promise<number> {
  const started = performance.now();
  const done = await windowedBurst(room, d, Number.MAX_SAFE_INTEGER, started + seconds * 1000);
  return done / ((performance.now() - started) / 1000);
}

async function fixedRate(
  target: string,
  room: FanoutRoom,
  d: Deliveries,
  rate: number,
  share: number,
  seconds: number,
): Promise<LatencyRow> {
  d.samples = [];
  d.sampleEvery = 10;
  const start = d.count;
  const started = performance.now();
  let sent = 0;
  for (let now = started; now - started < seconds * 1000; now = performance.now()) {
    const due = Math.floor(((now - started) / 1000) * rate);
    for (; sent < due; sent++) room.publish(stampedText());
    await sleep(1);
  }
  await d.until(start + sent * room.receivers, 3_000);
  d.sampleEvery = 0;
  const s = d.samples.sort((a, b) => a - b);
  return {
    target,
    share,
    rate,
    sent,
    delivered: (d.count - start) / (sent * room.receivers),
    samples: s.length,
    p50: percentile(s, 0.5),
    p99: percentile(s, 0.99),
    p999: percentile(s, 0.999),
  };
}

async function withRoom<T>(
  target: Target,
  warmup: number,
  fn: (room: FanoutRoom, d: Deliveries) => Promise<T>,
): Promise<T> {
  const server: BenchServer = await target.start();
  try {
    const d = new Deliveries();
    const room = await target.room(server, MEMBERS, d.deliver);
    await windowedBurst(room, d, 300, performance.now() + warmup * 1000);
    const result = await fn(room, d);
    room.close();
    return result;
  } finally {
    await server.stop();
  }
}

export async function latencyBench(quick: boolean): Promise<LatencyResult> {
  const seconds = quick ? 0.75 : 4;
  const warmup = quick ? 0.5 : 2;
  let saturated = 0;
  const atShares = async (target: Target, room: FanoutRoom, d: Deliveries): Promise<LatencyRow[]> => {
    const out: LatencyRow[] = [];
    for (const share of SHARES) {
      await sleep(200);
      out.push(await fixedRate(target.name, room, d, Math.round(saturated * share), share, seconds));
    }
    return out;
  };
  // Presence first: its saturation sets the absolute rates for everyone.
  const rows = await withRoom(presence, warmup, async (room, d) => {
    saturated = await saturation(room, d, quick ? 0.75 : 4);
    return atShares(presence, room, d);
  });
  for (const target of [wsBaseline, socketIo]) {
    rows.push(...(await withRoom(target, warmup, (room, d) => atShares(target, room, d))));
  }
  return { members: MEMBERS, saturation: saturated, rows };
}
