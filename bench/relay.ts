/**
 * The relay tree simulator: viewers join and leave a broadcast as Poisson processes, with uplinks
 * drawn from a mix of home and mobile links, and each tree model (ours, FedWave's chain, a random
 * tree, an age-only planner) places the same viewers in the same order. No media, no sockets:
 * this measures the plans, which decide the costs.
 *
 *   node --import tsx bench/relay.ts [--viewers 10000] [--minutes 30]
 *
 * Reported per model: depth (median, max) over samples taken every simulated minute; the share of
 * all streams delivered that peers forward (the rest is the root's egress: the source's or the
 * SFU's); the root's egress in Mbit/s; edges changed per join and per leave; viewers whose stream
 * broke per leave (the leaver's subtree); and, for ours, the planner's CPU time per change.
 */
import { performance } from 'node:perf_hooks';
import type { RelayViewer } from '../packages/server/src/live/relay/relay-planner.js';
import {
  ageOnlyModel,
  chainModel,
  plannerModel,
  randomTreeModel,
  type TreeModel,
} from './relay-baselines.js';

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const VIEWERS = arg('viewers', 10_000);
const MINUTES = arg('minutes', 30);
const BITRATE = 3_000_000; // 720p30 H.264
const MAX_DEPTH = 8;
const MEAN_SESSION_S = 30 * 60;
const MBPS = 1_000_000;

/** A seeded generator, so every model sees the same viewers and the same churn. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const exp = (random: () => number, mean: number): number => -Math.log(1 - random()) * mean;

/**
 * Upload links, 2026: fibre (symmetric), cable, DSL, mobile. Half the mobile viewers do not relay
 * (metered or on battery); 8 % of all cannot be reached by peers at all.
 */
const LINKS: Array<{ share: number; name: string; min: number; max: number; relays: number }> = [
  { share: 0.3, name: 'fibre', min: 50, max: 500, relays: 1 },
  { share: 0.25, name: 'cable', min: 10, max: 50, relays: 1 },
  { share: 0.15, name: 'DSL', min: 1, max: 10, relays: 1 },
  { share: 0.3, name: 'mobile', min: 2, max: 30, relays: 0.5 },
];

function makeViewer(random: () => number, id: string, since: number): RelayViewer & { flaky: boolean } {
  let r = random();
  const link = LINKS.find((l) => (r -= l.share) < 0) ?? (LINKS[LINKS.length - 1] as (typeof LINKS)[number]);
  const uplinkBps = (link.min + random() * (link.max - link.min)) * MBPS;
  const canRelay = random() < link.relays && random() > 0.08;
  return { id, uplinkBps, since, reconnects: 0, canRelay, flaky: link.name === 'mobile' };
}

type Event = { at: number; kind: 'join' | 'leave'; viewer: RelayViewer & { flaky: boolean } };

/** The same script of joins and leaves for every model. */
function churnScript(): { initial: Event[]; events: Event[] } {
  const random = seeded(7);
  const initial: Event[] = [];
  const events: Event[] = [];
  let next = 0;
  const endOf = (start: number): number => start + exp(random, MEAN_SESSION_S) * 1000;
  const horizon = MINUTES * 60_000;
  for (let i = 0; i < VIEWERS; i++) {
    const v = makeViewer(random, `v${next++}`, -exp(random, MEAN_SESSION_S) * 1000);
    initial.push({ at: 0, kind: 'join', viewer: v });
    // Memoryless sessions: a viewer present at 0 stays for another exponential span.
    const end = endOf(0);
    if (end < horizon) events.push({ at: end, kind: 'leave', viewer: v });
  }
  // Arrivals at the rate that keeps the audience steady (Little's law: rate = N / mean session).
  const rate = VIEWERS / MEAN_SESSION_S / 1000;
  for (let t = exp(random, 1 / rate); t < horizon; t += exp(random, 1 / rate)) {
    const v = makeViewer(random, `v${next++}`, t);
    events.push({ at: t, kind: 'join', viewer: v });
    const end = endOf(t);
    if (end < horizon) events.push({ at: end, kind: 'leave', viewer: v });
    // A flaky (mobile) viewer's session is cut now and then: it leaves and rejoins at once.
    if (v.flaky && random() < 0.3) {
      const cut = t + random() * (Math.min(end, horizon) - t);
      events.push({ at: cut, kind: 'leave', viewer: v });
      events.push({ at: cut + 2_000, kind: 'join', viewer: { ...v, reconnects: 1, since: cut + 2_000 } });
    }
  }
  events.sort((a, b) => a.at - b.at);
  return { initial, events };
}

interface Figures {
  name: string;
  depthMedian: number;
  depthMax: number;
  peerShare: number;
  rootMbps: number;
  edgesPerJoin: number;
  edgesPerLeave: number;
  brokenPerLeave: number;
  brokenMax: number;
  usPerChange: number;
}

function run(model: TreeModel, script: ReturnType<typeof churnScript>): Figures {
  const present = new Set<string>();
  let joins = 0;
  let joinEdges = 0;
  let leaves = 0;
  let leaveEdges = 0;
  let broken = 0;
  let brokenMax = 0;
  const depths: number[] = [];
  let shareSum = 0;
  let rootSum = 0;
  let samples = 0;
  let changeTime = 0;
  const sample = (): void => {
    const d = model.depths();
    for (let i = 0; i < d.length; i += Math.max(1, Math.floor(d.length / 2000))) depths.push(d[i] as number);
    depths.push(Math.max(...d));
    shareSum += 1 - model.rootFanout() / Math.max(1, model.size());
    rootSum += model.rootFanout();
    samples++;
  };
  const apply = (e: Event): void => {
    const t0 = performance.now();
    if (e.kind === 'join') {
      if (present.has(e.viewer.id)) return;
      present.add(e.viewer.id);
      joinEdges += model.join(e.viewer, e.at);
      joins++;
    } else {
      if (!present.delete(e.viewer.id)) return;
      const r = model.leave(e.viewer.id, e.at);
      leaveEdges += r.edges;
      broken += r.interrupted;
      brokenMax = Math.max(brokenMax, r.interrupted);
      leaves++;
    }
    changeTime += performance.now() - t0;
  };
  for (const e of script.initial) apply(e);
  // Count the steady state only: the initial fill is not churn.
  joins = joinEdges = 0;
  changeTime = 0;
  let nextSample = 0;
  for (const e of script.events) {
    while (e.at >= nextSample) {
      sample();
      nextSample += 60_000;
    }
    apply(e);
  }
  sample();
  depths.sort((a, b) => a - b);
  return {
    name: model.name,
    depthMedian: depths[Math.floor(depths.length / 2)] ?? 0,
    depthMax: depths[depths.length - 1] ?? 0,
    peerShare: shareSum / samples,
    rootMbps: ((rootSum / samples) * BITRATE) / MBPS,
    edgesPerJoin: joinEdges / Math.max(1, joins),
    edgesPerLeave: leaveEdges / Math.max(1, leaves),
    brokenPerLeave: broken / Math.max(1, leaves),
    brokenMax,
    usPerChange: (changeTime * 1000) / Math.max(1, joins + leaves),
  };
}

const script = churnScript();
const random = seeded(11);
const models: Array<() => TreeModel> = [
  () => plannerModel(BITRATE, MAX_DEPTH),
  () => chainModel(),
  () => randomTreeModel(BITRATE, random),
  () => ageOnlyModel(BITRATE, MAX_DEPTH),
];
const rows = models.map((make) => run(make(), script));
const joins = script.events.filter((e) => e.kind === 'join').length;
const f1 = (n: number): string => n.toFixed(1);
console.log(
  `${VIEWERS.toLocaleString('en')} viewers in steady state, ${MINUTES} simulated minutes: ${joins.toLocaleString('en')} joins and ` +
    `${(script.events.length - joins).toLocaleString('en')} leaves (sessions exponential, mean ${MEAN_SESSION_S / 60} min; ` +
    `30 % of mobile viewers reconnect once). Stream ${BITRATE / MBPS} Mbit/s, 25 % uplink headroom, at most 8 children, ` +
    `depth bound ${MAX_DEPTH} (ours and age-only). Uplinks: ${LINKS.map((l) => `${l.share * 100} % ${l.name} ${l.min}–${l.max} Mbit/s`).join(', ')}; half the mobile viewers and 8 % of all do not relay.`,
);
console.log('');
console.log(
  '| tree | depth median | depth max | peer share of egress | root egress Mbit/s | edges per join | edges per leave | viewers broken per leave (mean / max) | CPU µs per change |',
);
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.name} | ${r.depthMedian} | ${r.depthMax} | ${(r.peerShare * 100).toFixed(1)} % | ${Math.round(r.rootMbps).toLocaleString('en')} | ` +
      `${f1(r.edgesPerJoin)} | ${f1(r.edgesPerLeave)} | ${f1(r.brokenPerLeave)} / ${r.brokenMax.toLocaleString('en')} | ${f1(r.usPerChange)} |`,
  );
}
