// Which test files exist, which level each one is, and which services it declares it needs.
// Used by scripts/test.mjs; the levels are described in README ("Tests").
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/** Test levels in the order a full run reports them. */
export const LEVELS = ['unit', 'integration', 'e2e', 'media'];

/**
 * Levels a full run gives a step of their own, after the others: the media tests (Janus, coturn,
 * WebRTC in network namespaces, Chromium calls) measure frames against deadlines, so they run
 * beside each other only, not beside the CPU-heavy browser tests of the other levels.
 */
export const SEPARATE_LEVELS = ['media'];

/**
 * What a test may declare in a `// test-needs: postgres redis` comment near its top. Chromium is
 * implied by the e2e level, so browser tests need not say it.
 */
export const NEEDS = ['postgres', 'redis', 'chromium', 'coturn', 'nftables', 'janus'];

/**
 * The level a test file belongs to, from the folder it lives in:
 * `packages/<pkg>/test/unit/`, `packages/<pkg>/test/integration/` or `test/integration/`, `test/e2e/`,
 * `test/media/`.
 */
export function levelOf(file) {
  const parts = file.split(sep);
  if (parts[0] === 'test' && ['integration', 'e2e', 'media'].includes(parts[1])) return parts[1];
  if (parts[0] === 'packages' && parts[2] === 'test' && LEVELS.includes(parts[3])) return parts[3];
  return undefined;
}

/** Every *.test.ts under packages/ and test/, as paths relative to `root`, sorted. */
export function findTestFiles(root) {
  const out = [];
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.test.ts')) out.push(relative(root, path));
    }
  };
  walk(join(root, 'packages'));
  walk(join(root, 'test'));
  return out.sort();
}

/**
 * Needs a test shows by what it imports, so one that forgot its `// test-needs:` line still gets
 * the service (and a unit test that reaches for one is caught).
 */
const DETECTED = {
  postgres: /test\/postgres\.js'|from '\.\/backends\.js'|TEST_DATABASE_URL/,
  redis: /from 'ioredis'|PRESENCE_TEST_REDIS_URL/,
  chromium: /from 'playwright-core'|browser-kit\.js'/,
};

/**
 * The services `file` needs: its `// test-needs:` line, what its imports show and what its level
 * implies. Throws on a name outside NEEDS, and on a unit test that needs any (a unit test runs
 * with no service).
 */
export function needsOf(root, file) {
  const text = readFileSync(join(root, file), 'utf8');
  const declared =
    /^\/\/ test-needs:(.*)$/m
      .exec(text.slice(0, 4000))?.[1]
      ?.trim()
      .split(/[\s,]+/)
      .filter(Boolean) ?? [];
  for (const [need, pattern] of Object.entries(DETECTED)) {
    if (pattern.test(text) && !declared.includes(need)) declared.push(need);
  }
  for (const need of declared) {
    if (!NEEDS.includes(need))
      throw new Error(`${file}: unknown test need "${need}" (known: ${NEEDS.join(', ')})`);
  }
  const level = levelOf(file);
  if (level === 'unit' && declared.length > 0) {
    throw new Error(
      `${file}: a unit test needs no service (${declared.join(', ')}); move it to an integration folder`,
    );
  }
  const browser = level === 'e2e' || (level === 'media' && file.includes('.browser.'));
  return new Set(browser ? ['chromium', ...declared] : declared);
}
