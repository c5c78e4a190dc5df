#!/usr/bin/env node
// The server's layer map, checked (docs/architecture.md draws the same map). Every relative import
// in packages/server/src must point down the tiers below, or sideways inside a tier only where
// SIDEWAYS allows it; a folder that is not on the map is an error too, so a new folder has to be
// placed. Run by scripts/test.mjs (and by packages/server/test/layer-check.test.ts, which also
// plants bad imports in a copy of the tree to show the check fails).
//
//   node scripts/check-layers.mjs [srcDir]     exit 0: clean; exit 1: one line per violation
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** Top to bottom. `.` is the composition root (server.ts, cli.ts, index.ts, admin CLI). */
export const TIERS = [
  ['.'],
  ['http', 'gateway'],
  ['transport', 'routing'],
  ['apps', 'federation', 'moderation', 'chat', 'live', 'presence', 'rooms', 'identity'],
  ['broker', 'store'],
  ['ops'],
  ['shared'],
];

/** Imports allowed between folders of one tier (the domain graph, one way: no cycles). */
export const SIDEWAYS = {
  moderation: ['chat', 'live', 'rooms', 'identity'],
  apps: ['presence', 'identity'],
  federation: ['presence', 'chat', 'rooms', 'identity'],
  chat: ['rooms', 'identity'],
  live: ['rooms', 'identity'],
  presence: ['chat', 'rooms', 'identity'],
  rooms: ['identity'],
};

const tierOf = new Map(TIERS.flatMap((folders, i) => folders.map((f) => [f, i])));

function sourceFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (/\.(m|c)?tsx?$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The layer folder a path under srcDir belongs to (`.` for files directly in it). */
function folderOf(srcDir, path) {
  const rel = relative(srcDir, path);
  const parts = rel.split(sep);
  return parts.length === 1 ? '.' : parts[0];
}

/** Why `from` may not import `to`, or null when it may. */
export function rule(from, to) {
  if (from === to) return null;
  const a = tierOf.get(from);
  const b = tierOf.get(to);
  if (a === undefined) return `${from}/ is not on the layer map`;
  if (b === undefined) return `${to}/ is not on the layer map`;
  if (b > a) return null;
  if (b < a) return `${from}/ may not import ${to}/ (points up the layer map)`;
  if ((SIDEWAYS[from] ?? []).includes(to)) return null;
  return `${from}/ may not import ${to}/ (same tier; the map does not allow it)`;
}

/** Every import under srcDir that breaks the map, as `file → target: reason` lines. */
export function checkLayers(srcDir) {
  const root = resolve(srcDir);
  const problems = [];
  for (const file of sourceFiles(root)) {
    const from = folderOf(root, file);
    if (!tierOf.has(from)) {
      problems.push(`${relative(root, file)}: ${from}/ is not on the layer map`);
      continue;
    }
    // preProcessFile finds import, import type, export … from, import() and require, ignoring
    // comments and strings, without type-checking.
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (!fileName.startsWith('.')) continue; // packages (@presence/protocol, node:…) are not layers
      const target = resolve(dirname(file), fileName);
      const rel = relative(root, target);
      if (rel.startsWith('..')) {
        problems.push(`${relative(root, file)} → ${fileName}: imports from outside the server's src/`);
        continue;
      }
      const why = rule(from, folderOf(root, target));
      if (why) problems.push(`${relative(root, file)} → ${rel}: ${why}`);
    }
  }
  return problems;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const srcDir = process.argv[2] ?? fileURLToPath(new URL('../packages/server/src', import.meta.url));
  const problems = checkLayers(srcDir);
  for (const p of problems) console.error(`✗ ${p}`);
  if (problems.length > 0) {
    console.error(`${problems.length} import(s) break the layer map (docs/architecture.md).`);
    process.exit(1);
  }
  console.log(`layers: ${srcDir} follows the map`);
}
