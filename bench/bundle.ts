// Bench servers and scripts run from a one-file bundle made with esbuild (the transform tsx uses),
// with every package left external: loading ~100 TypeScript modules through tsx's loader hooks
// costs a couple of CPU-seconds per process, the bundle a fraction of that.
import { build } from 'esbuild';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

// Under node_modules: out of the linters' way, and packages still resolve from there.
const outdir = fileURLToPath(new URL('../node_modules/.cache/presence-bench/', import.meta.url));
const bundles = new Map<string, Promise<string>>();

/** Path of an ESM bundle of `script` (built once per bench run), runnable with plain node. */
export function bundled(script: string): Promise<string> {
  let out = bundles.get(script);
  if (!out) {
    const outfile = `${outdir}${basename(script, '.ts')}.mjs`;
    out = build({
      entryPoints: [script],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    }).then(() => outfile);
    bundles.set(script, out);
  }
  return out;
}
