// `npm run bench -- sfu [--quick]`: calls on Janus with werift peers, inside a network namespace
// with a veth pair (Janus sends no media over loopback; re-executes itself under `unshare -n`).
// Measures live.join → first keyframe at a viewer (median, p95), and Janus's CPU per viewer with
// one publisher and N viewers (read from /proc/<janus pid>/stat). Prints a markdown section.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startTestServer } from '../test/harness.js';
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

const srv = await startTestServer({
  janusBinary: '/usr/bin/janus',
  janusInterfaces: ['pva'],
  janusRtpPorts: '21000-23000',
  liveMediaMode: 'sfu',
});
const janusPid = Number(
  execFileSync('pgrep', ['-P', String(process.pid), '-x', 'janus'])
    .toString()
    .trim(),
);
const source = await Vp8Source.start({ fps: 15 });
const peers: SfuPeer[] = [];

async function person(name: string, room: string | null): Promise<{ c: RawClient; room: string }> {
  const c = await RawClient.ws(srv.wsUrl);
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

// 2. CPU per viewer: N viewers watching the publisher, Janus CPU over a fixed window.
const sizes = quick ? [5] : [10, 25];
const cpuRows: { viewers: number; janusPct: number; perViewer: number; receiving: number }[] = [];
const baseline = async (): Promise<number> => {
  const t = ticks(janusPid);
  await new Promise((r) => setTimeout(r, 3000));
  return (ticks(janusPid) - t) / 3; // % of one core
};
const idle = await baseline();
let watching: SfuPeer[] = [];
for (const n of sizes) {
  while (watching.length < n) {
    const { c } = await person(`W${watching.length}`, room);
    await c.ok('live.join', { room });
    const v = new SfuPeer(c, room, null);
    void v.startSfu();
    watching.push(v);
  }
  await until(() => watching.every((v) => (v.subscriber?.firstKeyframeAt ?? null) !== null), 20_000);
  const pct = await baseline();
  const receiving = watching.filter((v) => (v.subscriber?.firstKeyframeAt ?? null) !== null).length;
  cpuRows.push({ viewers: n, janusPct: pct, perViewer: (pct - idle) / n, receiving });
}
for (const v of watching) await v.close();
watching = [];
for (const p of peers) await p.close();
await source.close();
await srv.close();

const lines = [
  '## sfu: calls on Janus (werift peers, one box)',
  '',
  `One publisher (ffmpeg test pattern, VP8 320×240 at 15 fps, ~300 kbit/s) in a room in \`sfu\` mode; Janus is the server's own child (Debian janus 1.1.2), media over a veth pair in a network namespace. Viewers are werift peers in the bench process; "first frame" is the first VP8 keyframe packet at the viewer (werift does not decode).`,
  '',
  '| measure | value |',
  '|---|---|',
  `| live.join → first keyframe at a viewer, median (${joins.length}/${rounds} rounds) | ${median(joins).toFixed(0)} ms |`,
  `| same, p95 | ${p95(joins).toFixed(0)} ms |`,
  `| Janus CPU with the publisher and no viewer | ${idle.toFixed(1)} % of a core |`,
  ...cpuRows.map(
    (r) =>
      `| Janus CPU with ${r.viewers} viewers (${r.receiving} receiving) | ${r.janusPct.toFixed(1)} % of a core, **${r.perViewer.toFixed(2)} % per viewer** |`,
  ),
  '',
  'Server CPU per viewer is not separated here (the werift viewers run in the same process); in steady state the server only relays signaling, so its share per viewer is signaling at join time, not media.',
];
console.log(lines.join('\n'));
process.exit(0);
