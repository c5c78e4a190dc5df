import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FederationError } from '../../src/federation/federation-errors.js';
import { FederationGuard } from '../../src/federation/federation-guard.js';
import { authorize } from '../../src/federation/request-signing.js';
import { RequestVerifier } from '../../src/federation/request-verifier.js';
import { OLD_KEY_KEEP_MS, ServerKeys } from '../../src/federation/server-keys.js';

/** `presence admin federation list-keys | rotate-key`, run as an operator runs them (a child process). */

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

function admin(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CLI, 'admin', ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, out: stdout, err: stderr });
      },
    );
  });
}

interface KeyRow {
  id: string;
  current: boolean;
  key: string;
  expiredAt: number | null;
  verifiableUntil: number | null;
}

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'presence-fedkeys-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('rotate-key: a new key signs, the old one stays published and verifies what it signed before', async () => {
  const flags = ['--data-dir', dir, '--domain', 'a.test'];
  const first = await admin(['federation', 'list-keys', '--json', ...flags]);
  assert.equal(first.code, 0, first.err);
  const before = JSON.parse(first.out) as KeyRow[];
  assert.equal(before.length, 1);
  assert.equal(before[0]?.current, true);
  const oldId = before[0]?.id ?? '';

  // The server as it runs: keys loaded before the rotation. It signs a request now.
  const running = new ServerKeys({ dataDir: dir });
  assert.equal(running.currentKeyId, oldId);
  const req = { method: 'POST', path: '/_federation/v1/presence', origin: 'a.test', destination: 'b.test' };
  const signedBefore = authorize(running, { ...req, body: { n: 1 } });

  const rotated = await admin(['federation', 'rotate-key', '--json', ...flags]);
  assert.equal(rotated.code, 0, rotated.err);
  const result = JSON.parse(rotated.out) as { rotated: { from: string; to: string }; keys: KeyRow[] };
  assert.equal(result.rotated.from, oldId);
  assert.notEqual(result.rotated.to, oldId);

  const text = await admin(['federation', 'list-keys', ...flags]);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^ID\s+STATUS\s+STOPPED SIGNING\s+PUBLISHED UNTIL\s+PUBLIC KEY$/m);
  assert.match(text.out, new RegExp(`^${result.rotated.to}\\s+current\\s+-\\s+-\\s+\\S+$`, 'm'));
  assert.match(text.out, new RegExp(`^${oldId}\\s+old\\s+\\S+Z\\s+\\S+Z\\s+\\S+$`, 'm'));
  const listed = JSON.parse((await admin(['federation', 'list-keys', '--json', ...flags])).out) as KeyRow[];
  const old = listed.find((k) => k.id === oldId);
  assert.ok(old && !old.current && old.expiredAt !== null);
  assert.equal(old.verifiableUntil, old.expiredAt + OLD_KEY_KEEP_MS);
  assert.equal(listed.find((k) => k.current)?.id, result.rotated.to);

  // What the restarted server publishes (the file), as a peer verifies with it.
  const restarted = new ServerKeys({ dataDir: dir });
  assert.equal(restarted.currentKeyId, result.rotated.to);
  const published = restarted.published();
  assert.deepEqual(Object.keys(published).sort(), [oldId, result.rotated.to].sort());
  const verifier = new RequestVerifier({
    domain: 'b.test',
    guard: new FederationGuard({ allow: [], deny: [], self: 'b.test' }),
    peers: { keyOf: (_domain: string, id: string) => Promise.resolve(published[id]) },
    maxSkewMs: 300_000,
  });
  // Signed with the old key before the rotation: still verifies.
  assert.equal(await verifier.verify({ ...req, authorization: signedBefore, body: { n: 1 } }), 'a.test');
  // Signed with the new key: verifies.
  const signedNew = authorize(restarted, { ...req, body: { n: 2 } });
  assert.equal(await verifier.verify({ ...req, authorization: signedNew, body: { n: 2 } }), 'a.test');
  // Signed with the old key after it stopped signing (a stolen key): refused.
  const late = authorize(running, { ...req, body: { n: 3 } }, old.expiredAt + 1_000);
  await assert.rejects(
    verifier.verify({ ...req, authorization: late, body: { n: 3 } }),
    (err: unknown) => err instanceof FederationError && err.code === 'UNKNOWN_KEY',
  );

  const usage = await admin(['federation', 'rotate-key', 'extra', ...flags]);
  assert.equal(usage.code, 2);
  assert.match(usage.err, /^presence admin: /);
});
