// test-needs: postgres
import assert from 'node:assert/strict';
import { createServiceKey, hashServiceKey, verifyServiceKey } from '../../../src/identity/service-keys.js';
import type { StoredServiceKey } from '../../../src/store/identity-store.js';
import { onEveryBackend } from './backends.js';

/** The ServiceKeyStore contract and key verification, on SQLite and PostgreSQL. */

function key(id: string, over: Partial<StoredServiceKey> = {}): StoredServiceKey {
  return {
    id,
    name: `key ${id}`,
    keyHash: hashServiceKey(`secret-${id}`),
    createdAt: 1_000,
    revokedAt: null,
    ...over,
  };
}

onEveryBackend((_kind, it) => {
  it('create, find by hash, list in creation order', async (store) => {
    const keys = store.serviceKeys;
    await keys.createServiceKey(key('b', { createdAt: 2_000 }));
    await keys.createServiceKey(key('a', { createdAt: 1_000 }));
    assert.deepEqual(
      await keys.findServiceKeyByHash(hashServiceKey('secret-b')),
      key('b', { createdAt: 2_000 }),
    );
    assert.equal(await keys.findServiceKeyByHash(hashServiceKey('secret-x')), undefined);
    assert.deepEqual(
      (await keys.listServiceKeys()).map((k) => k.id),
      ['a', 'b'],
    );
  });

  it('a hash is unique', async (store) => {
    await store.serviceKeys.createServiceKey(key('a'));
    await assert.rejects(store.serviceKeys.createServiceKey({ ...key('a'), id: 'other' }));
  });

  it('revoke marks the key once; unknown ids answer false', async (store) => {
    const keys = store.serviceKeys;
    await keys.createServiceKey(key('a'));
    assert.equal(await keys.revokeServiceKey('a', 5_000), true);
    assert.equal(await keys.revokeServiceKey('a', 9_000), true, 'revoking again is fine');
    assert.equal(
      (await keys.findServiceKeyByHash(hashServiceKey('secret-a')))?.revokedAt,
      5_000,
      'keeps the first time',
    );
    assert.equal(await keys.revokeServiceKey('nope', 5_000), false);
    assert.equal((await keys.listServiceKeys())[0]?.revokedAt, 5_000, 'revoked keys stay listed');
  });

  it('createServiceKey stores only the hash; verify accepts the key until it is revoked', async (store) => {
    const { key: secret, record } = await createServiceKey(store.serviceKeys, 'Friend Core');
    assert.match(secret, /^psk_[A-Za-z0-9_-]{43}$/);
    const stored = await store.serviceKeys.listServiceKeys();
    assert.deepEqual(stored, [record]);
    assert.equal(record.keyHash, hashServiceKey(secret));
    assert.ok(!JSON.stringify(stored).includes(secret.slice(4)), 'the secret itself is not stored');

    assert.equal((await verifyServiceKey(store.serviceKeys, secret))?.id, record.id);
    // Another last character (one that differs: 1 key in 64 already ends in A).
    const other = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    assert.equal(await verifyServiceKey(store.serviceKeys, other), null, 'unknown key');
    assert.equal(await verifyServiceKey(store.serviceKeys, 'psk_short'), null, 'malformed key');
    assert.equal(await verifyServiceKey(store.serviceKeys, record.keyHash), null, 'the hash is not a key');

    await store.serviceKeys.revokeServiceKey(record.id, Date.now());
    assert.equal(await verifyServiceKey(store.serviceKeys, secret), null, 'revoked');
  });
});
