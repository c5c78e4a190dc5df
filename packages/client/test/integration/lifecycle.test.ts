import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** `@presence/protocol` subpaths made to be imported without zod (package.json `exports`). */
const ZOD_FREE_PROTOCOL: Record<string, string> = {
  '@presence/protocol/escape-text': join(here, '..', '..', '..', 'protocol', 'src', 'escape-text.ts'),
};

/** Run exit-check.ts with `scenario`; resolves with its exit code, output and run time. */
function run(scenario: string): Promise<{ code: number | null; out: string; ms: number }> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, '..', 'support', 'exit-check.ts'), scenario],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, out, ms: Date.now() - started });
    });
  });
}

for (const scenario of ['close-while-reconnecting', 'close-while-connected', 'idle-without-close']) {
  test(`no timer keeps Node alive: ${scenario}`, async () => {
    // Loading tsx alone takes a moment; the timers involved would hold the process ≥ 10 s.
    const { code, out, ms } = await run(scenario);
    assert.equal(code, 0, out);
    assert.match(out, /^done/m);
    assert.ok(ms < 4500, `the process took ${ms} ms to exit`);
  });
}

test('close-while-reconnecting rejects the waiting request with CLOSED', async () => {
  const { out } = await run('close-while-reconnecting');
  assert.match(out, /done: The client was closed\./);
});

test('the browser entry point imports nothing outside the package at run time (no ws, net, node:, zod)', () => {
  const seen = new Set<string>();
  const offending: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    // Type-only imports vanish at compile time; everything else ends up in a bundle.
    for (const match of source.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('.')) visit(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
      // The protocol's zod-free subpaths are allowed; the walk checks what they import in turn.
      else if (ZOD_FREE_PROTOCOL[specifier]) visit(ZOD_FREE_PROTOCOL[specifier]);
      else offending.push(`${file}: ${specifier}`);
    }
  };
  visit(join(here, '..', '..', 'src', 'index.ts'));
  assert.ok(seen.size > 5, 'the walk followed the imports');
  assert.deepEqual(offending, []);
});
