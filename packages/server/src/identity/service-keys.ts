import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ServiceKeyStore, StoredServiceKey } from '../store/identity-store.js';
import { randomId } from '../shared/random-id.js';

/**
 * Service keys: bearer secrets for a trusted backend (Friend Core's "service key", generalised).
 * A key is 32 random bytes, base64url, prefixed `psk_` so it is recognisable in configs and by
 * secret scanners. Only its SHA-256 is stored: a leaked database does not leak usable keys, and
 * because keys are long random strings a fast hash is enough (no password stretching needed).
 */
export const SERVICE_KEY_PREFIX = 'psk_';

/** 32 bytes in base64url without padding are 43 characters. */
const KEY_SHAPE = /^psk_[A-Za-z0-9_-]{43}$/;

export function hashServiceKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Create and store a key. The returned `key` is the only time the secret exists outside the
 * caller's hands: show it once.
 */
export async function createServiceKey(
  store: ServiceKeyStore,
  name: string,
  now: number = Date.now(),
): Promise<{ key: string; record: StoredServiceKey }> {
  const key = SERVICE_KEY_PREFIX + randomBytes(32).toString('base64url');
  const record: StoredServiceKey = {
    id: `sk_${randomId(12)}`,
    name,
    keyHash: hashServiceKey(key),
    createdAt: now,
    revokedAt: null,
  };
  await store.createServiceKey(record);
  return { key, record };
}

/**
 * The stored key a presented secret belongs to, or null when it is malformed, unknown or revoked.
 * The lookup is by hash, so timing reveals nothing about the secret; the constant-time compare
 * guards against a store that matched loosely (e.g. a collation).
 */
export async function verifyServiceKey(
  store: ServiceKeyStore,
  presented: string,
): Promise<StoredServiceKey | null> {
  if (!KEY_SHAPE.test(presented)) return null;
  const hash = hashServiceKey(presented);
  const record = await store.findServiceKeyByHash(hash);
  if (!record || record.revokedAt !== null) return null;
  const a = Buffer.from(record.keyHash, 'utf8');
  const b = Buffer.from(hash, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b) ? record : null;
}

/** The key in an `Authorization: Bearer psk_…` header, or null. */
export function bearerKey(header: string | undefined): string | null {
  if (header === undefined) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}
