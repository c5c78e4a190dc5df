#!/usr/bin/env node
// `npm run bench -- <scenario> [--quick]`: runs a bench from bench/ with tsx, prints a table and
// rewrites bench/results.md with the figures and how to reproduce them.
import { spawnSync } from 'node:child_process';
const args = process.argv.slice(2);
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', new URL('../bench/run.ts', import.meta.url).pathname, ...args],
  {
    stdio: 'inherit',
  },
);
process.exit(r.status ?? 1);
