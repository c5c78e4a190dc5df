/**
 * The long fuzz run (issue 11, item 17): 10^5 seeded, mutated frames per transport against one
 * server in this process, as packages/server/test/integration/fuzz.test.ts does with 10^4. It
 * asserts nothing about time; it prints what happened and fails (exit 1) on any violation.
 *
 *   node --import tsx bench/fuzz.ts [--frames 100000] [--seed 1]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPresenceServer } from '../packages/server/src/index.js';
import { runFuzz } from '../test/fuzz-run.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const FRAMES = arg('--frames', 100_000);
const SEED = arg('--seed', 1);

const dataDir = await mkdtemp(join(tmpdir(), 'presence-fuzz-'));
const server = await createPresenceServer({
  host: '127.0.0.1',
  port: 0,
  tcpPort: 0,
  dataDir,
  logLevel: 'silent',
  rateLimitPerSecond: 1_000_000,
  rateLimitBurst: 1_000_000,
  rateLimitCloseAfter: 1_000_000,
});
const { httpPort, tcpPort } = await server.listen();
const rows: string[] = [
  '| transport | frames | replies | reconnects | violations | top error codes | seconds |',
  '| --- | ---: | ---: | ---: | ---: | --- | ---: |',
];
let violations = 0;
try {
  for (const kind of ['ws', 'tcp'] as const) {
    const r = await runFuzz({
      kind,
      wsUrl: `ws://127.0.0.1:${httpPort}/ws`,
      tcpPort: tcpPort ?? -1,
      frames: FRAMES,
      seed: SEED,
    });
    violations += r.violations.length;
    for (const v of r.violations.slice(0, 5)) console.error(`${kind}: ${v}`);
    const top = Object.entries(r.codes)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 4)
      .map(([c, n]) => `${c} ${n}`)
      .join(', ');
    rows.push(
      `| ${kind} | ${r.frames} | ${r.replies} | ${r.reconnects} | ${r.violations.length} | ${top} | ${(r.ms / 1000).toFixed(1)} |`,
    );
  }
} finally {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
}
console.log(rows.join('\n'));
process.exit(violations === 0 ? 0 : 1);
