import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { canonicalJson } from '../../src/federation/canonical-json.js';
import { FederationGuard } from '../../src/federation/federation-guard.js';
import { authorize, parseAuthorization } from '../../src/federation/request-signing.js';
import { RequestVerifier } from '../../src/federation/request-verifier.js';
import { ServerKeys, verifyWith, type PublishedKey } from '../../src/federation/server-keys.js';

const dirs: string[] = [];
async function dir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'presence-keys-'));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('canonical JSON sorts keys at every depth, has no whitespace and refuses non-integers', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'é' }], c: true } }),
    '{"a":{"c":true,"d":[3,{"y":"é","z":null}]},"b":1}',
  );
  assert.equal(canonicalJson({ a: undefined, b: 2 }), '{"b":2}');
  assert.throws(() => canonicalJson({ x: 1.5 }), TypeError);
  assert.throws(() => canonicalJson({ x: Number.MAX_SAFE_INTEGER + 2 }), TypeError);
});

test('keys persist across restarts (mode 0600) and a shared secret gives every node the same key', async () => {
  const d = await dir();
  const one = new ServerKeys({ dataDir: d });
  const two = new ServerKeys({ dataDir: d });
  assert.equal(one.currentKeyId, two.currentKeyId);
  assert.deepEqual(one.published(), two.published());
  const sig = one.sign('hello');
  const [key] = Object.values(two.published());
  assert.ok(key && verifyWith(key.key, 'hello', sig));
  assert.ok(!verifyWith(key.key, 'hellO', sig));
  assert.equal((await stat(join(d, 'federation-keys.json'))).mode & 0o777, 0o600);
  assert.ok(!(await readFile(join(d, 'federation-keys.json'), 'utf8')).includes('BEGIN'));

  const secret = Buffer.alloc(32, 7);
  const n1 = new ServerKeys({ dataDir: await dir(), sharedSecret: secret });
  const n2 = new ServerKeys({ dataDir: await dir(), sharedSecret: secret });
  assert.deepEqual(n1.published(), n2.published());
});

/** A verifier whose view of the origin's keys is `keys.published()` as of now. */
function verifierFor(keys: () => Record<string, PublishedKey>, now: () => number, deny: string[] = []) {
  return new RequestVerifier({
    domain: 'b.test',
    guard: new FederationGuard({ allow: [], deny, self: 'b.test' }),
    peers: { keyOf: async (_domain: string, id: string) => keys()[id] },
    maxSkewMs: 60_000,
    now,
  });
}

test('the verifier refuses unsigned, forged, tampered, replayed, stale, misaddressed and denied requests', async () => {
  const keys = new ServerKeys({ dataDir: await dir() });
  let clock = 1_700_000_000_000;
  const v = verifierFor(
    () => keys.published(),
    () => clock,
    ['evil.test'],
  );
  const req = {
    method: 'POST',
    path: '/_federation/v1/presence',
    origin: 'a.test',
    destination: 'b.test',
    body: { x: 1 },
  };
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 'ok',
      (e: { code?: string }) => e.code,
    );
  const header = authorize(keys, req, clock);
  assert.equal(await code(v.verify({ ...req, authorization: header })), 'ok');
  assert.equal(await code(v.verify({ ...req, authorization: header })), 'REPLAYED');
  assert.equal(await code(v.verify({ ...req, authorization: undefined })), 'UNSIGNED');
  assert.equal(await code(v.verify({ ...req, authorization: 'Bearer x' })), 'UNSIGNED');
  const h2 = authorize(keys, req, clock);
  assert.equal(await code(v.verify({ ...req, body: { x: 2 }, authorization: h2 })), 'BAD_SIGNATURE');
  assert.equal(
    await code(v.verify({ ...req, path: '/_federation/v1/contact', authorization: h2 })),
    'BAD_SIGNATURE',
  );
  // The forger's own key, under the id the real server uses.
  const forger = new ServerKeys({ dataDir: await dir() });
  const forged = authorize(forger, req, clock).replace(/key="[^"]+"/, `key="${keys.currentKeyId}"`);
  assert.equal(await code(v.verify({ ...req, authorization: forged })), 'BAD_SIGNATURE');
  assert.equal(await code(v.verify({ ...req, authorization: authorize(forger, req, clock) })), 'UNKNOWN_KEY');
  assert.equal(
    await code(v.verify({ ...req, authorization: authorize(keys, req, clock - 120_000) })),
    'STALE_REQUEST',
  );
  assert.equal(
    await code(v.verify({ ...req, authorization: authorize(keys, req, clock + 120_000) })),
    'STALE_REQUEST',
  );
  const elsewhere = { ...req, destination: 'c.test' };
  assert.equal(
    await code(v.verify({ ...req, authorization: authorize(keys, elsewhere, clock) })),
    'WRONG_DESTINATION',
  );
  const evil = { ...req, origin: 'evil.test' };
  assert.equal(
    await code(v.verify({ ...req, authorization: authorize(keys, evil, clock) })),
    'DOMAIN_REFUSED',
  );
  clock += 1;
  assert.ok(parseAuthorization(authorize(keys, req, clock)));
});

test('rotation: the old key still verifies what it signed before, not what is signed after', async () => {
  let clock = 1_700_000_000_000;
  const d = await dir();
  const keys = new ServerKeys({ dataDir: d, now: () => clock });
  // A copy of the key file as it was before the rotation: someone holding the old key.
  const stolen = await dir();
  await copyFile(join(d, 'federation-keys.json'), join(stolen, 'federation-keys.json'));
  const thief = new ServerKeys({ dataDir: stolen });
  const v = verifierFor(
    () => keys.published(),
    () => clock,
  );
  const req = { method: 'POST', path: '/p', origin: 'a.test', destination: 'b.test', body: {} };
  const before = authorize(keys, req, clock);
  const oldId = keys.currentKeyId;
  clock += 1_000;
  const newId = keys.rotate();
  assert.notEqual(newId, oldId);
  const published = keys.published();
  assert.equal(published[oldId]?.expiredAt, clock);
  assert.equal(published[newId]?.expiredAt, null);
  // Signed before the rotation, arriving after it: accepted.
  await v.verify({ ...req, authorization: before });
  await v.verify({ ...req, authorization: authorize(keys, req, clock) });
  // The old key used after it was rotated out (a stolen key, say): refused.
  assert.equal(thief.currentKeyId, oldId);
  await assert.rejects(v.verify({ ...req, authorization: authorize(thief, req, clock + 5) }), {
    code: 'UNKNOWN_KEY',
  });
});
