// Markdown for bench/results.md and stdout: one section per scenario, and the targets with
// the measured value and whether each was met.
import type { FanoutResult } from './fanout.js';
import type { IdleRow } from './idle.js';
import type { LatencyResult } from './latency.js';
import type { PerMessageRow } from './per-message.js';
import type { PresenceRoomRow } from './presence-room.js';

const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en') : '-');
const ms = (n: number): string => (Number.isFinite(n) ? n.toFixed(2) : '-');
const kb = (bytes: number): string => (bytes / 1024).toFixed(2);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : '-';

export function fanoutSection(results: FanoutResult[]): string[] {
  const lines = [
    '## fanout: deliveries per server CPU-second',
    '',
    'One room; the first member publishes 150-character messages with at most 50 in flight, the others receive. Each target is measured for a bounded time after a warm-up.',
    '',
    "`presence` is protocol v2 (lean live messages), `presence v1` the same server with v1 clients (the full shape). `ws-baseline (padded)` is the bare-ws baseline with its events padded to Presence v2's bytes per delivery: Presence ÷ that is the server's cost at equal bytes, apart from the protocol's.",
    '',
    '| target | room size | messages | deliveries | bytes / delivery | server CPU s | deliveries / CPU s | Presence ÷ this |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results) {
    const p = results.find((b) => b.target === 'presence' && b.members === r.members);
    const bytes = r.bytesPerDelivery === undefined ? '-' : int(r.bytesPerDelivery);
    lines.push(
      `| ${r.target} | ${int(r.members)} | ${int(r.messages)} | ${int(r.deliveries)} | ${bytes} | ${r.cpuSeconds.toFixed(3)} | ${int(r.perCpuSecond)} | ${r.target === 'presence' ? '' : ratio(p?.perCpuSecond, r.perCpuSecond)} |`,
    );
  }
  return lines;
}

export function perMessageSection(rows: PerMessageRow[]): string[] {
  const lines = [
    '## per-message: server CPU per plain message, no other recipient',
    '',
    'One member alone in a room sends 150-character messages (at most 50 unacknowledged): what every message costs whatever the room size — decode, validation, rights, seq, recent window, event build, ack and the echo to the sender (its own message event).',
    '',
    '| client protocol | messages | server CPU s | µs / message | echo bytes |',
    '|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| v${r.v} | ${int(r.messages)} | ${r.cpuSeconds.toFixed(3)} | ${r.microsPerMessage.toFixed(1)} | ${int(r.echoBytes)} |`,
    );
  }
  return lines;
}

export function latencySection(l: LatencyResult): string[] {
  const lines = [
    '## latency: publish → deliver at fixed rates',
    '',
    `Saturation of a Presence room of ${l.members} (windowed publisher, as the single-process load generator sees it): **${int(l.saturation)} messages/s** (${int(l.saturation * (l.members - 1))} deliveries/s). Each target then gets 25/50/75 % of that rate, in absolute messages/s; latency is sampled at every 10th receiver.`,
    '',
    '| target | share of Presence saturation | messages/s | sent | delivered | samples | p50 ms | p99 ms | p99.9 ms |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of l.rows) {
    lines.push(
      `| ${r.target} | ${Math.round(r.share * 100)} % | ${int(r.rate)} | ${int(r.sent)} | ${(r.delivered * 100).toFixed(1)} % | ${int(r.samples)} | ${ms(r.p50)} | ${ms(r.p99)} | ${ms(r.p999)} |`,
    );
  }
  return lines;
}

export const idleAllIn = (r: IdleRow): number => r.rssPerConnection + r.kernelPerConnection;

export function idleSection(rows: IdleRow[]): string[] {
  const lines = [
    '## idle: memory per idle connection',
    '',
    'Connections that said hello and joined a room of 10 (Presence, Socket.io; the bare-ws baseline has neither). Server RSS is read after a full GC, before and after opening them (50 warm-up connections stay open in both readings). Kernel memory is the delta of `TCP … mem` pages in /proc/net/sockstat × 4096: system-wide, so it covers both loopback ends and anything else on the box.',
    '',
    '| target | connections | server RSS / conn KB | kernel socket mem / conn KB | all-in KB |',
    '|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.target} | ${int(r.connections)} | ${kb(r.rssPerConnection)} | ${kb(r.kernelPerConnection)} | ${kb(idleAllIn(r))} |`,
    );
  }
  return lines;
}

export function presenceRoomSection(rows: PresenceRoomRow[]): string[] {
  const lines = [
    '### Presence broadcast in one room, against Prosody (MUC)',
    '',
    'A room of 100 members, every member sees every change. Presence: `presence.set {state}` with members subscribed (changes coalesced per `presenceCoalesceMs`, 250 ms by default); Prosody: a MUC occupant sends presence with a new `<show>` and every occupant gets a presence stanza. A round ends when an observer has seen all of its changes; server CPU over all rounds.',
    '',
    '| target | members | shape | changes | server CPU s | changes / CPU s |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.target} | ${r.members} | ${r.shape} | ${int(r.changes)} | ${r.cpuSeconds.toFixed(3)} | ${int(r.perCpuSecond)} |`,
    );
  }
  return lines;
}

export interface Measured {
  fanout?: FanoutResult[];
  perMessage?: PerMessageRow[];
  latency?: LatencyResult;
  idle?: IdleRow[];
  presenceRoom?: PresenceRoomRow[];
  /** Median and p95 of "call start: 6 join at once → all answered", in ms. */
  signaling?: { median: number; p95: number };
  /** The relay planner under churn: share of egress peers carry (0–1) and the deepest viewer. */
  relay?: { peerShare: number; depthMax: number };
}

type Verdict = [target: string, measured: string, met: boolean | undefined];

function verdicts(m: Measured): Verdict[] {
  const out: Verdict[] = [];
  const per = (t: string, n: number): number | undefined =>
    m.fanout?.find((r) => r.target === t && r.members === n)?.perCpuSecond;
  for (const n of [100, 1000]) {
    const p = per('presence', n);
    const s = per('socket.io', n);
    const w = per('ws-baseline', n);
    out.push([
      `fan-out ≥ 4× Socket.io deliveries/CPU-s, room of ${int(n)}`,
      p && s ? `${ratio(p, s)} (${int(p)} vs ${int(s)})` : 'not measured in this run',
      p && s ? p / s >= 4 : undefined,
    ]);
    out.push([
      `fan-out ≥ 0.8× bare-ws deliveries/CPU-s, room of ${int(n)}`,
      p && w ? `${ratio(p, w)} (${int(p)} vs ${int(w)})` : 'not measured in this run',
      p && w ? p / w >= 0.8 : undefined,
    ]);
  }
  for (const n of [100, 1000]) {
    const p = per('presence', n);
    const padded = per('ws-baseline (padded)', n);
    if (p === undefined || padded === undefined) continue;
    out.push([
      `fan-out at equal bytes per delivery: Presence ÷ padded bare-ws, room of ${int(n)} (reported, no target)`,
      `${ratio(p, padded)} (${int(p)} vs ${int(padded)})`,
      undefined,
    ]);
  }
  const lean = m.fanout?.find((r) => r.target === 'presence' && r.bytesPerDelivery !== undefined);
  out.push([
    'lean message ≤ 260 bytes on the wire (150 characters, plain)',
    lean?.bytesPerDelivery !== undefined
      ? `${int(lean.bytesPerDelivery + 4)} bytes (payload + 4-byte frame header)`
      : 'not measured',
    lean?.bytesPerDelivery !== undefined ? lean.bytesPerDelivery + 4 <= 260 : undefined,
  ]);
  const pm = m.perMessage?.find((r) => r.v === 2);
  out.push([
    '≤ 15 µs server CPU per plain message (alone in a room: ack and echo included)',
    pm ? `${pm.microsPerMessage.toFixed(1)} µs` : 'not measured',
    pm ? pm.microsPerMessage <= 15 : undefined,
  ]);
  const idle = m.idle?.find((r) => r.target === 'presence');
  out.push([
    '≤ 10 KB per idle connection, all-in (Presence)',
    idle
      ? `${kb(idleAllIn(idle))} KB (${kb(idle.rssPerConnection)} RSS + ${kb(idle.kernelPerConnection)} kernel)`
      : 'not measured',
    idle ? idleAllIn(idle) <= 10 * 1024 : undefined,
  ]);
  const at50 = (t: string): number | undefined =>
    m.latency?.rows.find((r) => r.target === t && r.share === 0.5)?.p99;
  const p99 = at50('presence');
  const ws99 = at50('ws-baseline');
  out.push([
    'p99 < 25 ms at 50 % of saturation (room of 100)',
    p99 !== undefined ? `${ms(p99)} ms` : 'not measured',
    p99 !== undefined ? p99 < 25 : undefined,
  ]);
  out.push([
    'p99 at 50 % ≤ 1.2× bare-ws p99 at the same rate',
    p99 !== undefined && ws99 !== undefined
      ? `${ratio(p99, ws99)} (${ms(p99)} vs ${ms(ws99)} ms)`
      : 'not measured',
    p99 !== undefined && ws99 !== undefined ? p99 <= 1.2 * ws99 : undefined,
  ]);
  const room = (t: string): number | undefined =>
    m.presenceRoom?.find((r) => r.target === t && r.shape === 'all at once')?.perCpuSecond;
  const pr = room('presence');
  const xr = room('prosody');
  out.push([
    'presence ≥ 20k changes per core (room of 100, all at once)',
    pr !== undefined ? `${int(pr)} changes / CPU s` : 'not measured',
    pr !== undefined ? pr >= 20_000 : undefined,
  ]);
  out.push([
    'presence ≥ 5× Prosody changes/CPU-s (same workload)',
    pr !== undefined && xr !== undefined ? `${ratio(pr, xr)} (${int(pr)} vs ${int(xr)})` : 'not measured',
    pr !== undefined && xr !== undefined ? pr / xr >= 5 : undefined,
  ]);
  const relay = m.relay;
  out.push([
    'relay tree: peers carry ≥ 90 % of egress with depth ≤ 8 (simulated viewers, churn)',
    relay ? `${(relay.peerShare * 100).toFixed(1)} % of egress, depth max ${relay.depthMax}` : 'not measured',
    relay ? relay.peerShare >= 0.9 && relay.depthMax <= 8 : undefined,
  ]);
  const sig = m.signaling;
  out.push([
    'signaling: 6 join at once → all answered < 100 ms',
    sig ? `median ${ms(sig.median)} ms, p95 ${ms(sig.p95)} ms` : 'not measured',
    sig ? sig.p95 < 100 : undefined,
  ]);
  return out;
}

export function targetsSection(m: Measured): string[] {
  const lines = ['## Targets', '', '| target (issue #8) | measured | verdict |', '|---|---|---|'];
  for (const [target, measured, met] of verdicts(m)) {
    lines.push(
      `| ${target} | ${measured} | ${met === undefined ? (measured.startsWith('not measured') ? 'not measured' : 'reported') : met ? 'met' : '**missed**'} |`,
    );
  }
  return lines;
}
