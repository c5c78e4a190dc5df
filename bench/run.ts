// `npm run bench -- [scenario …] [--quick]`: runs the scenarios (all of them when none is named),
// prints the tables and rewrites bench/results.md with the figures, the targets and how to
// reproduce them. Every scenario is bounded in time; --quick uses small sizes (under a minute).
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { bundled } from './bundle.js';
import { benchRevision, comparisonTable } from './compare.js';
import { fanoutBench } from './fanout.js';
import { idleBench } from './idle.js';
import { latencyBench } from './latency.js';
import { presenceRoomBench } from './presence-room.js';
import { prosodyVersion } from './prosody-server.js';
import {
  fanoutSection,
  idleSection,
  latencySection,
  perMessageSection,
  presenceRoomSection,
  targetsSection,
  type Measured,
} from './report.js';
import { perMessageBench } from './per-message.js';
import { mergeResults } from './results-file.js';
import { signalingThroughput } from './signaling-throughput.js';

const argv = process.argv.slice(2);
// `--compare <ref>`: bench that revision first, then this tree, and print both targets.
const compareAt = argv.indexOf('--compare');
const compareRef = compareAt >= 0 ? argv[compareAt + 1] : undefined;
if (compareAt >= 0 && (compareRef === undefined || compareRef.startsWith('--'))) {
  console.error('--compare needs a revision: npm run bench -- --compare main');
  process.exit(2);
}
const args = compareAt >= 0 ? argv.filter((_, i) => i !== compareAt && i !== compareAt + 1) : argv;
const quick = args.includes('--quick');
const named = args.filter((a) => !a.startsWith('--'));
const known = ['fanout', 'per-message', 'latency', 'idle', 'signaling', 'presence', 'fuzz', 'relay', 'apps'];
// Opt-in only: cluster needs Redis and PostgreSQL running (see bench/cluster.ts); federation has
// its own results file (bench/results-federation.md); sfu needs the janus binary and root (a
// network namespace, see bench/sfu.ts) and writes bench/results-sfu.md.
const optIn = ['cluster', 'federation', 'sfu'];
const wanted = named.length === 0 ? known : named;
for (const s of wanted) {
  if (!known.includes(s) && !optIn.includes(s)) {
    console.error(`unknown scenario "${s}"; known: ${[...known, ...optIn].join(', ')}`);
    process.exit(2);
  }
}

/** Run a bench script of its own (server and clients in one process) and return what it printed. */
async function script(file: string, scriptArgs: string[]): Promise<string> {
  const path = await bundled(fileURLToPath(new URL(file, import.meta.url)));
  const r = spawnSync(process.execPath, [path, ...scriptArgs], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`${file} failed:\n${r.stderr}`);
  return r.stdout.trim();
}

// Ctrl-C and kill: exit normally, so exit handlers stop the servers this run started.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));

const theirs = compareRef !== undefined ? benchRevision(compareRef, args) : undefined;
const started = Date.now();
const load = loadavg()[0]?.toFixed(2) ?? '?';
const measured: Measured = {};
const sections: string[][] = [];
const step = (name: string): void =>
  console.error(`bench: ${name} (${((Date.now() - started) / 1000).toFixed(0)} s)`);

if (wanted.includes('fanout')) {
  step('fanout');
  measured.fanout = await fanoutBench(quick);
  sections.push(fanoutSection(measured.fanout));
}
if (wanted.includes('per-message')) {
  step('per-message');
  measured.perMessage = await perMessageBench(quick);
  sections.push(perMessageSection(measured.perMessage));
}
if (wanted.includes('latency')) {
  step('latency');
  measured.latency = await latencyBench(quick);
  sections.push(latencySection(measured.latency));
}
if (wanted.includes('idle')) {
  step('idle');
  measured.idle = await idleBench(quick);
  sections.push(idleSection(measured.idle));
}
if (wanted.includes('signaling')) {
  step('signaling');
  const table = await script('./signaling.ts', ['--rounds', quick ? '10' : '30']);
  const start = /\| call start[^|]*\| ([\d.]+) \| ([\d.]+) \|/.exec(table);
  if (start) measured.signaling = { median: Number(start[1]), p95: Number(start[2]) };
  const t = await signalingThroughput(quick ? 5_000 : 20_000);
  sections.push([
    '## signaling: live join to every offer answered (6 participants)',
    '',
    table,
    '',
    `Relay throughput (server in its own process, ${t.payloadBytes}-character offers): ` +
      `${t.messages} live.signal messages in ${t.cpuSeconds.toFixed(3)} server CPU s = ` +
      `**${Math.round(t.perCpuSecond).toLocaleString('en')} signaling messages per CPU-second**.`,
  ]);
}
if (wanted.includes('presence')) {
  step('presence');
  const engine = await script('./presence.ts', quick ? ['--quick'] : []);
  measured.presenceRoom = await presenceRoomBench(quick);
  sections.push([
    '## presence: changes per core, and join-to-visible',
    '',
    engine,
    '',
    ...presenceRoomSection(measured.presenceRoom),
  ]);
}
if (wanted.includes('fuzz')) {
  step('fuzz');
  // Robustness, not speed: the run fails on any INTERNAL_ERROR or undocumented reply.
  const table = await script('./fuzz.ts', ['--frames', quick ? '10000' : '100000']);
  sections.push(['## fuzz: seeded mutated frames per transport (no timed assertion)', '', table]);
}
if (wanted.includes('relay')) {
  step('relay');
  // Plans only (no media): the tree each model builds for the same viewers and churn.
  const table = await script('./relay.ts', quick ? ['--viewers', '2000', '--minutes', '10'] : []);
  const ours = /\| Presence planner \| (\d+) \| (\d+) \| ([\d.]+) % \|/.exec(table);
  if (ours) measured.relay = { depthMax: Number(ours[2]), peerShare: Number(ours[3]) / 100 };
  sections.push(['## relay: the broadcast tree under churn (simulated viewers)', '', table]);
}
if (wanted.includes('apps')) {
  step('apps');
  const { appsBench, appsSection } = await import('./apps.js');
  sections.push(appsSection(await appsBench(quick)));
}
if (wanted.includes('cluster')) {
  step('cluster');
  const { clusterBench, clusterTable } = await import('./cluster.js');
  sections.push(['## cluster: one room over several nodes', '', clusterTable(await clusterBench(quick))]);
}
if (wanted.includes('sfu')) {
  step('sfu');
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(new URL('./sfu.ts', import.meta.url)), ...(quick ? ['--quick'] : [])],
    { encoding: 'utf8', timeout: 300_000 },
  );
  if (r.status !== 0) throw new Error(`sfu bench failed:\n${r.stderr}`);
  sections.push([r.stdout.trim()]);
}

if (wanted.includes('federation')) {
  step('federation');
  const table = await script('./federation.ts', quick ? ['--quick'] : []);
  sections.push(['## federation: server-to-server messages and bytes per presence change', '', table]);
}

const seconds = ((Date.now() - started) / 1000).toFixed(0);
const body = [targetsSection(measured), ...sections].map((s) => s.join('\n')).join('\n\n');
console.log(body);
console.error(`bench: done in ${seconds} s`);
if (compareRef !== undefined && theirs !== undefined) {
  // A comparison is a reading, not a result: bench/results.md stays as it was.
  console.log(`\n${comparisonTable(compareRef, theirs, body)}`);
  process.exit(0);
}

const git = (...a: string[]): string => spawnSync('git', a, { encoding: 'utf8' }).stdout?.trim() ?? '';
const dirty = git('status', '--porcelain', '--', 'packages') === '' ? '' : ' plus uncommitted changes';
const revision = `commit ${git('rev-parse', '--short', 'HEAD') || 'unknown'}${dirty}`;
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${load} at start`;
const reproduce = ['npm run bench', ...(args.length > 0 ? ['--', ...args] : [])].join(' ');
// The opt-in scenarios alone keep their own file, so the main figures are not overwritten.
const resultsFile = wanted.every((s) => optIn.includes(s))
  ? `./results-${wanted.length === 1 ? wanted[0] : 'cluster'}.md`
  : './results.md';
const resultsUrl = new URL(resultsFile, import.meta.url);
// Some scenarios only: merge them into the file instead of dropping the others' figures.
const partial = resultsFile === './results.md' && !known.every((s) => wanted.includes(s));
const previous = partial ? await readFile(resultsUrl, 'utf8').catch(() => '') : '';
if (partial && previous !== '') {
  const stamp = `Measured alone (\`${reproduce}\`) at ${new Date().toISOString()} of ${revision}, load average ${load} at start.`;
  const parts = [targetsSection(measured), ...sections].map((s) => s.join('\n'));
  await writeFile(resultsUrl, mergeResults(previous, parts, stamp));
  process.exit(0);
}
await writeFile(
  resultsUrl,
  `# Bench results

Latest run: ${new Date().toISOString()} of ${revision}, on ${machine}; took ${seconds} s.
Reproduce: \`${reproduce}\` (\`--quick\` for small sizes; scenario names to run only some of
${known.join(', ')}).

How it measures: every server runs in a process of its own (Presence, the bare-ws baseline and
Socket.io 4 as forked Node children, Prosody ${prosodyVersion()} from Debian as its own daemon with a generated
config) and its CPU time is read from that process: process.cpuUsage over IPC for Node,
utime + stime from /proc/<pid>/stat for Prosody (10 ms ticks). The load generator is the bench
process itself, the same code for every target of a scenario, in the same run. Messages carry 150
characters of text.

Read with care: the load generator is one Node process, so at high rates its own work (most of all
socket.io-client decoding every packet for every receiver) adds to the latencies it records, and
the saturation rate is the rate this generator reaches, which may be below the server's. The box
may be shared with other work (see the load average above): CPU-second figures move by ±20 % and
latency tails by far more between runs; compare targets within one run.

${body}
`,
);
