import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runFuzz } from '../../../../test/fuzz-run.js';
import { startTestServer, type TestServer } from '../../../../test/harness.js';

/**
 * Keep it so (issue 11, item 17): 10,000 seeded, mutated frames per transport, built from every
 * documented client message. No crash, no INTERNAL_ERROR, only catalogued error shapes, and a
 * healthy client answered throughout. The rate limit is raised for the run (it would otherwise
 * close the fuzzing connection within a second); bench/fuzz.ts runs 10^5.
 */

const SEED = 20261203;
let srv: TestServer;
before(async () => {
  srv = await startTestServer({
    rateLimitPerSecond: 1_000_000,
    rateLimitBurst: 1_000_000,
    rateLimitCloseAfter: 1_000_000,
    maxTextLength: 4_000,
  });
});
after(async () => {
  await srv.close();
});

for (const kind of ['ws', 'tcp'] as const) {
  test(
    `${kind}: 10,000 fuzzed frames, no INTERNAL_ERROR, only documented errors`,
    { timeout: 60_000 },
    async () => {
      const result = await runFuzz({
        kind,
        wsUrl: srv.wsUrl,
        tcpPort: srv.tcp.port,
        frames: 10_000,
        seed: SEED,
      });
      assert.deepEqual(result.violations, []);
      assert.equal(result.frames, 10_000);
      assert.ok(result.replies > 5_000, `${result.replies} replies`);
      assert.ok((result.codes['INVALID_MESSAGE'] ?? 0) > 0, 'schemas refused things');
      assert.ok(
        result.replies - Object.values(result.codes).reduce((a, b) => a + b, 0) > 100,
        'and requests succeeded',
      );
      // The server is still whole: a fresh client is served.
      const health = await fetch(`${srv.httpUrl}/healthz`);
      assert.equal(health.status, 200);
    },
  );
}
