/**
 * `npm run bench -- --compare <ref> [scenario …] [--quick]`: the same scenarios on another
 * revision (a branch, a tag, a commit) in the same run, so a change is judged against the code it
 * changes on the same box under the same load, as fastify's bench does. The other revision is
 * checked out into a worktree under node_modules/.cache, given this tree's node_modules (hard
 * links: the packages' own workspace links then point into that worktree), built, and benched;
 * its targets table is read off what it prints.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function run(cmd: string, args: string[], cwd: string, timeoutMs = 1_800_000): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Bench `ref` with `args` and return what it printed (its report, targets table first). */
export function benchRevision(ref: string, args: string[]): string {
  const sha = run('git', ['rev-parse', '--verify', `${ref}^{commit}`], root).trim();
  const base = `${root}node_modules/.cache/presence-bench-compare/`;
  const dir = `${base}${sha.slice(0, 12)}`;
  mkdirSync(base, { recursive: true });
  if (!existsSync(dir)) {
    run('git', ['worktree', 'add', '--detach', dir, sha], root);
    // Every entry but .cache, which holds this very worktree.
    mkdirSync(`${dir}/node_modules`);
    const entries = readdirSync(`${root}node_modules`).filter((e) => e !== '.cache');
    run('cp', ['-al', ...entries.map((e) => `${root}node_modules/${e}`), `${dir}/node_modules/`], root);
  }
  console.error(`bench: building ${ref} (${sha.slice(0, 12)}) in ${dir}`);
  run('npm', ['run', 'build'], dir);
  // Scenarios that revision does not have yet (named in quotes nowhere in its run.ts) are left out
  // there: the comparison then covers what both have.
  const theirRun = readFileSync(`${dir}/bench/run.ts`, 'utf8');
  const theirArgs = args.filter((a) => a.startsWith('--') || theirRun.includes(`'${a}'`));
  console.error(`bench: running ${ref} (${theirArgs.join(' ') || 'all scenarios'})`);
  return run(process.execPath, ['scripts/bench.mjs', ...theirArgs], dir);
}

/** Target → [measured, verdict] from a report's targets table. */
export function targetRows(report: string): Map<string, [string, string]> {
  const rows = new Map<string, [string, string]>();
  for (const line of report.split('\n')) {
    const m = /^\| ([^|]+) \| ([^|]*) \| ([^|]*) \|$/.exec(line);
    if (!m || m[1] === 'target (issue #8)' || m[1]?.startsWith('---')) continue;
    rows.set(m[1] as string, [(m[2] as string).trim(), (m[3] as string).trim()]);
  }
  return rows;
}

/** Both revisions' targets side by side. */
export function comparisonTable(refName: string, theirs: string, ours: string): string {
  const a = targetRows(theirs);
  const b = targetRows(ours);
  const lines = [
    `## Compared with ${refName} (same run, same box)`,
    '',
    `| target | ${refName} | this tree |`,
    '|---|---|---|',
  ];
  for (const target of new Set([...a.keys(), ...b.keys()])) {
    const [x, y] = [a.get(target), b.get(target)];
    if ((x?.[1] ?? 'not measured') === 'not measured' && (y?.[1] ?? 'not measured') === 'not measured')
      continue;
    const cell = (r: [string, string] | undefined): string => (r ? `${r[0]} (${r[1]})` : '—');
    lines.push(`| ${target} | ${cell(x)} | ${cell(y)} |`);
  }
  return lines.join('\n');
}
