import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const script = fileURLToPath(new URL('../../../../scripts/check-layers.mjs', import.meta.url));
const src = fileURLToPath(new URL('../../src', import.meta.url));

function check(dir: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('the server tree follows the layer map', () => {
  const r = check(src);
  assert.equal(r.status, 0, r.out);
});

test('imports planted in a copy of the tree are reported, each with its rule', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'presence-layers-'));
  try {
    await cp(src, dir, { recursive: true });
    // Up the map: a domain folder reaching into the gateway.
    await appendFile(join(dir, 'rooms/room.ts'), "\nimport type { Session } from '../gateway/session.js';\n");
    // Sideways where the map has no arrow (the rooms ↔ chat cycle this layout removed).
    await appendFile(
      join(dir, 'rooms/room-log.ts'),
      "\nexport { renderMarkdown } from '../chat/markdown.js';\n",
    );
    // The lowest layer importing anything above it.
    await appendFile(join(dir, 'shared/actor.ts'), "\nimport '../ops/logger.js';\n");
    // A folder nobody placed on the map.
    await mkdir(join(dir, 'unmapped'));
    await writeFile(join(dir, 'unmapped/app.ts'), 'export const app = 1;\n');
    // Not imports: a comment and a string mentioning one must not count.
    await appendFile(
      join(dir, 'broker/broker.ts'),
      "\n// import '../gateway/gateway.js';\nexport const example = \"import '../http/http-app.js'\";\n",
    );

    const r = check(dir);
    assert.equal(r.status, 1, r.out);
    const lines = r.out.split('\n').filter((l) => l.startsWith('✗'));
    assert.deepEqual(lines.sort(), [
      '✗ unmapped/app.ts: unmapped/ is not on the layer map',
      '✗ rooms/room-log.ts → chat/markdown.js: rooms/ may not import chat/ (same tier; the map does not allow it)',
      '✗ rooms/room.ts → gateway/session.js: rooms/ may not import gateway/ (points up the layer map)',
      '✗ shared/actor.ts → ops/logger.js: shared/ may not import ops/ (points up the layer map)',
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('docs/architecture.md shows every folder of the server on its layer map', async () => {
  const doc = await readFile(new URL('../../../../docs/architecture.md', import.meta.url), 'utf8');
  const map = doc.slice(doc.indexOf('## Layers inside the server'), doc.indexOf("## A message's way"));
  const folders = (await readdir(src, { withFileTypes: true })).filter((e) => e.isDirectory());
  assert.ok(folders.length > 5);
  for (const f of folders)
    assert.match(map, new RegExp(`^${f.name}/|\\s${f.name}/\\s`, 'm'), `${f.name}/ is on the map`);
});
