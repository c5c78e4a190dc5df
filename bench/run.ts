import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fanoutBench } from './fanout.js';
import { signalingThroughput } from './signaling-throughput.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const scenarios = args.filter((a) => !a.startsWith('--'));
const wanted = scenarios.length === 0 ? ['fanout'] : scenarios;
const known = ['fanout', 'signaling', 'presence'];
for (const s of wanted) {
  if (!known.includes(s)) {
    console.error(
      `unknown scenario "${s}"; built so far: ${known.join(', ')} (the others are issue 8's work)`,
    );
    process.exit(2);
  }
}

const lines: string[] = [];
if (wanted.includes('fanout')) {
  const results = await fanoutBench(quick);
  lines.push('## fanout: deliveries per server CPU-second', '');
  lines.push(
    '| target | room size | messages | deliveries | server CPU s | deliveries / CPU s | ratio to ws-baseline |',
  );
  lines.push('|---|---|---|---|---|---|---|');
  for (const r of results) {
    const base = results.find((b) => b.target === 'ws-baseline' && b.members === r.members);
    const ratio = base ? (r.perCpuSecond / base.perCpuSecond).toFixed(2) : '-';
    lines.push(
      `| ${r.target} | ${r.members} | ${r.messages} | ${r.deliveries} | ${r.cpuSeconds.toFixed(3)} | ${Math.round(r.perCpuSecond).toLocaleString('en')} | ${ratio} |`,
    );
  }
}
if (wanted.includes('signaling')) {
  // A script of its own (server and raw clients in one process): its table is copied as printed.
  const script = fileURLToPath(new URL('./signaling.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--rounds', quick ? '10' : '30'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`signaling bench failed:\n${r.stderr}`);
  lines.push('', '## signaling: live join to every offer answered (6 participants)', '', r.stdout.trim());
  const t = await signalingThroughput(quick ? 5_000 : 20_000);
  lines.push(
    '',
    `Relay throughput (server in its own process, ${t.payloadBytes}-character offers): ` +
      `${t.messages} live.signal messages in ${t.cpuSeconds.toFixed(3)} server CPU s = ` +
      `**${Math.round(t.perCpuSecond).toLocaleString('en')} signaling messages per CPU-second**.`,
  );
}
if (wanted.includes('presence')) {
  // Like signaling: a script of its own, its tables copied as printed.
  const script = fileURLToPath(new URL('./presence.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--import', 'tsx', script, ...(quick ? ['--quick'] : [])], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`presence bench failed:\n${r.stderr}`);
  lines.push('', '## presence: changes per core, and join-to-visible', '', r.stdout.trim());
}
const table = lines.join('\n');
console.log(table);
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const doc = `# Bench results

Latest run: ${new Date().toISOString()} on ${machine}.
Reproduce: \`npm run bench -- ${[...wanted, ...(quick ? ['--quick'] : [])].join(' ')}\`

Server CPU time is read from the server process itself (process.cpuUsage) before and after the
measured burst; the load generator runs in the bench process. Baselines run in the same run with the
same load generator. Messages carry 150 characters of text.

${table}
`;
await writeFile(new URL('./results.md', import.meta.url), doc);
