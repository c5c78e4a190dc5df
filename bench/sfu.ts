// `npm run bench -- sfu [--quick]`: calls on Janus with werift peers, inside a network namespace
// with a veth pair (Janus sends no media over loopback; re-executes itself under `unshare -n`).
// Measures live.join → first keyframe at a viewer (median, p95), and Janus's CPU per viewer with
// one publisher and N viewers, Janus's and the server's apart (the server runs in a child process,
// Janus under it; both read from /proc/<pid>/stat). Prints a markdown section.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer } from '../test/server-process.js';
import { RawClient, type Json } from '../test/raw-client.js';
import { SfuPeer } from '../test/sfu-peer.js';
import { Vp8Source } from '../test/werift-peers.js';

const quick = process.argv.includes('--quick');
const inside = Object.keys(networkInterfaces()).includes('pva');

if (!inside) {
  const veth =
    'ip link set lo up && ip link add pva type veth peer name pvb && ip addr add 10.77.0.1/24 dev pva && ' +
    'ip addr add 10.77.0.2/24 dev pvb && ip link set pva up && ip link set pvb up && exec "$@"';
  const r = spawnSync(
    'unshare',
    [
      '-n',
      'sh',
      '-c',
      veth,
      'sh',
      process.execPath,
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit' },
  );
  process.exit(r.status ?? 1);
}

const ticks = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(f[11]) + Number(f[12]); // utime + stime, in clock ticks (100 Hz)
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const p95 = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.ceil(xs.length * 0.95) - 1] ?? NaN;

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}

// The server in a process of its own (its Janus child under it), so that the server's CPU, Janus's
// and the werift viewers' (this process) are read apart.
const dataDir = mkdtempSync(join(tmpdir(), 'presence-bench-sfu-'));
const server = await spawnServer([
  ...['--data-dir', dataDir, '--janus-binary', '/usr/bin/janus', '--janus-interfaces', 'pva'],
  ...['--janus-rtp-ports', '21000-23000', '--live-media-mode', 'sfu', '--max-connections-per-ip', '100000'],
]);
const serverPid = server.child.pid ?? 0;
const wsUrl = `ws://127.0.0.1:${server.httpPort}/ws`;
let janusPid = 0;
await until(() => {
  const r = spawnSync('pgrep', ['-P', String(serverPid), '-x', 'janus'], { encoding: 'utf8' });
  janusPid = Number(r.stdout.trim().split('\n')[0] ?? 0);
  return janusPid > 0;
}, 10_000);
const source = await Vp8Source.start({ fps: 15 });
const peers: SfuPeer[] = [];

async function person(name: string, room: string | null): Promise<{ c: RawClient; room: string }> {
  const c = await RawClient.ws(wsUrl);
  await c.hello(name);
  if (room) {
    await c.ok('room.join', { room });
    return { c, room };
  }
  return { c, room: ((await c.ok('room.create'))['room'] as Json)['id'] as string };
}

// 1. join → first keyframe, one viewer at a time, a publisher already up.
const { c: pc, room } = await person('Publisher', null);
await pc.ok('live.join', { room });
const publisher = new SfuPeer(pc, room, source);
peers.push(publisher);
await publisher.startSfu();
const rounds = quick ? 5 : 15;
const joins: number[] = [];
for (let i = 0; i < rounds; i++) {
  const { c } = await person(`V${i}`, room);
  const t0 = Date.now();
  await c.ok('live.join', { room });
  const viewer = new SfuPeer(c, room, null);
  void viewer.startSfu();
  if (await until(() => (viewer.subscriber?.firstKeyframeAt ?? null) !== null, 10_000)) {
    joins.push((viewer.subscriber?.firstKeyframeAt ?? 0) - t0);
  }
  await c.ok('live.leave', { room });
  await viewer.close();
}

console.error(`sfu bench: ${joins.length}/${rounds} join rounds`);

// 2. CPU per viewer: N viewers watching the publisher; Janus's and the server's CPU over a window
// of steady state, and the server's CPU while the viewers joined (signaling: join, publish, offer,
// answer), per viewer.
const sizes = quick ? [5] : [10, 25, 50];
const windowMs = quick ? 5_000 : 10_000;
interface CpuRow {
  viewers: number;
  receiving: number;
  janusPct: number;
  serverPct: number;
  benchPct: number;
  joinServerMs: number;
  joinJanusMs: number;
}
const cpuRows: CpuRow[] = [];
/** % of one core that each process used during `windowMs` (10 ms ticks for the two pids). */
const steady = async (): Promise<{ janus: number; server: number; bench: number }> => {
  const [j, sv, b] = [ticks(janusPid), ticks(serverPid), process.cpuUsage()];
  await new Promise((r) => setTimeout(r, windowMs));
  const used = process.cpuUsage(b);
  const pct = (t: number): number => (t * 10 * 100) / windowMs;
  return {
    janus: pct(ticks(janusPid) - j),
    server: pct(ticks(serverPid) - sv),
    bench: ((used.user + used.system) / 1000 / windowMs) * 100,
  };
};
const idle = await steady();
let watching: SfuPeer[] = [];
for (const n of sizes) {
  const [j0, s0, before] = [ticks(janusPid), ticks(serverPid), watching.length];
  while (watching.length < n) {
    const { c } = await person(`W${watching.length}`, room);
    await c.ok('live.join', { room });
    const v = new SfuPeer(c, room, null);
    void v.startSfu();
    watching.push(v);
    // In batches of 5: on this loaded 2-core box a burst of DTLS handshakes in the viewers'
    // process would starve its event loop (requests time out after 3 s).
    if (watching.length % 5 === 0)
      await until(() => watching.every((w) => (w.subscriber?.firstKeyframeAt ?? null) !== null), 30_000);
  }
  console.error(`sfu bench: ${n} viewers joined`);
  await until(() => watching.every((v) => (v.subscriber?.firstKeyframeAt ?? null) !== null), 60_000);
  const added = n - before;
  const joinServerMs = ((ticks(serverPid) - s0) * 10) / added;
  const joinJanusMs = ((ticks(janusPid) - j0) * 10) / added;
  const cpu = await steady();
  const receiving = watching.filter((v) => (v.subscriber?.firstKeyframeAt ?? null) !== null).length;
  cpuRows.push({
    viewers: n,
    receiving,
    janusPct: cpu.janus,
    serverPct: cpu.server,
    benchPct: cpu.bench,
    joinServerMs,
    joinJanusMs,
  });
}
for (const v of watching) await v.close();
watching = [];
for (const p of peers) await p.close();
await source.close();
server.child.kill('SIGTERM');
await server.exited;
rmSync(dataDir, { recursive: true, force: true });

const lines = [
  '## sfu: calls on Janus (werift peers, one box)',
  '',
  `One publisher (ffmpeg test pattern, VP8 320×240 at 15 fps, ~300 kbit/s) in a room in \`sfu\` mode; Janus is the server's own child (Debian janus 1.1.2), media over a veth pair in a network namespace. Viewers are werift peers in the bench process; "first frame" is the first VP8 keyframe packet at the viewer (werift does not decode).`,
  '',
  '| measure | value |',
  '|---|---|',
  `| live.join → first keyframe at a viewer, median (${joins.length}/${rounds} rounds) | ${median(joins).toFixed(0)} ms |`,
  `| same, p95 | ${p95(joins).toFixed(0)} ms |`,
  '',
  `CPU per viewer, each process read apart (Janus and the server from /proc/<pid>/stat, the werift viewers in the bench process from process.cpuUsage), over ${windowMs / 1000} s windows of steady state once every viewer received a keyframe; "per viewer" is (with N viewers − with none) / N. Joining: CPU each process spent while the viewers joined (live.join, publish, subscription offer and answer, ICE and DTLS), per viewer.`,
  '',
  '| viewers (receiving) | Janus, % of a core | Janus per viewer | server, % of a core | server per viewer | werift viewers (bench process) | joining: server CPU per viewer | joining: Janus CPU per viewer |',
  '|---|---|---|---|---|---|---|---|',
  `| 0 (publisher only) | ${idle.janus.toFixed(1)} | | ${idle.server.toFixed(1)} | | ${idle.bench.toFixed(1)} % | | |`,
  ...cpuRows.map(
    (r) =>
      `| ${r.viewers} (${r.receiving}) | ${r.janusPct.toFixed(1)} | **${((r.janusPct - idle.janus) / r.viewers).toFixed(2)} %** | ${r.serverPct.toFixed(1)} | **${((r.serverPct - idle.server) / r.viewers).toFixed(2)} %** | ${r.benchPct.toFixed(0)} % | ${r.joinServerMs.toFixed(1)} ms | ${r.joinJanusMs.toFixed(1)} ms |`,
  ),
  '',
  "In steady state the server relays no media (Janus does); its per-viewer share is keepalives and presence of the viewers' connections. /proc ticks are 10 ms, so figures under ~0.1 % of a core per window are at the resolution limit.",
];
console.log(lines.join('\n'));
process.exit(0);
