import {
  createHmac,
  randomBytes,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A verify key as published: base64url of the raw 32-byte Ed25519 public key. */
export interface PublishedKey {
  key: string;
  /** Signatures made after this instant (ms) are not accepted with this key; null = current. */
  expiredAt: number | null;
}

interface StoredKey {
  id: string;
  /** base64url of the 32-byte private seed. */
  seed: string;
  createdAt: number;
  expiredAt: number | null;
}

/** PKCS#8 prefix of an Ed25519 private key; the 32-byte seed follows. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
/** SPKI prefix of an Ed25519 public key; the 32 raw bytes follow. */
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');
/** Old keys stay published (and verifiable for what they signed before rotation) this long. */
export const OLD_KEY_KEEP_MS = 7 * 24 * 3600_000;

function privateFromSeed(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
}

/** The raw public key (base64url) of a private key. */
function rawPublic(key: KeyObject): string {
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return der.subarray(SPKI_ED25519.length).toString('base64url');
}

/** A published raw public key as a KeyObject; throws on anything that is not 32 bytes. */
export function publicKeyFrom(raw: string): KeyObject {
  const bytes = Buffer.from(raw, 'base64url');
  if (bytes.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, bytes]), format: 'der', type: 'spki' });
}

/** Ed25519 over `data` with a published key; false for a bad key or signature. */
export function verifyWith(raw: string, data: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(data), publicKeyFrom(raw), Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
}

/**
 * This server's signing keys: one current Ed25519 key and the recently rotated ones, kept in
 * `federation-keys.json` in the data directory (mode 0600). Old keys stay published with the
 * instant they stopped signing, so requests and assertions signed before a rotation still verify.
 *
 * A cluster's nodes must sign with the same key: with a shared `serverSecret`, the first key is
 * derived from it, so every node starts with the same key without sharing a file.
 */
export class ServerKeys {
  readonly #path: string;
  readonly #now: () => number;
  #keys: StoredKey[];
  #current: { id: string; key: KeyObject };

  constructor(opts: { dataDir: string; sharedSecret?: Uint8Array | undefined; now?: () => number }) {
    this.#now = opts.now ?? Date.now;
    mkdirSync(opts.dataDir, { recursive: true });
    this.#path = join(opts.dataDir, 'federation-keys.json');
    this.#keys = this.#load() ?? [this.#firstKey(opts.sharedSecret)];
    this.#save();
    this.#current = this.#activate();
  }

  /** The id of the key signing now, e.g. `ed25519:k1a2b3`. */
  get currentKeyId(): string {
    return this.#current.id;
  }

  /** Sign `data` with the current key: base64url. */
  sign(data: string): string {
    return sign(null, Buffer.from(data), this.#current.key).toString('base64url');
  }

  /** Every key to publish: the current one and old ones not yet past OLD_KEY_KEEP_MS. */
  published(): Record<string, PublishedKey> {
    const out: Record<string, PublishedKey> = {};
    for (const k of this.#keys) {
      out[k.id] = {
        key: rawPublic(privateFromSeed(Buffer.from(k.seed, 'base64url'))),
        expiredAt: k.expiredAt,
      };
    }
    return out;
  }

  /** Start signing with a new key; the old one stays published, marked with when it stopped. */
  rotate(): string {
    const now = this.#now();
    for (const k of this.#keys) if (k.expiredAt === null) k.expiredAt = now;
    this.#keys = this.#keys.filter((k) => k.expiredAt === null || now - k.expiredAt < OLD_KEY_KEEP_MS);
    const { privateKey } = generateKeyPairSync('ed25519');
    this.#keys.push({ id: this.#newId(), seed: this.#seedOf(privateKey), createdAt: now, expiredAt: null });
    this.#save();
    this.#current = this.#activate();
    return this.#current.id;
  }

  #firstKey(secret: Uint8Array | undefined): StoredKey {
    const seed = secret
      ? createHmac('sha256', secret).update('presence federation key 1').digest()
      : this.#seedBytes(generateKeyPairSync('ed25519').privateKey);
    return {
      id: secret ? 'ed25519:1' : this.#newId(),
      seed: seed.toString('base64url'),
      createdAt: this.#now(),
      expiredAt: null,
    };
  }

  #newId(): string {
    return `ed25519:${randomBytes(4).toString('hex')}`;
  }

  #seedBytes(key: KeyObject): Buffer {
    return key.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_ED25519.length);
  }

  #seedOf(key: KeyObject): string {
    return this.#seedBytes(key).toString('base64url');
  }

  #activate(): { id: string; key: KeyObject } {
    const current = this.#keys.find((k) => k.expiredAt === null);
    if (!current) throw new Error(`${this.#path} has no current key`);
    return { id: current.id, key: privateFromSeed(Buffer.from(current.seed, 'base64url')) };
  }

  #load(): StoredKey[] | null {
    let text: string;
    try {
      text = readFileSync(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const keys = JSON.parse(text) as StoredKey[];
    if (!Array.isArray(keys) || !keys.some((k) => k.expiredAt === null)) {
      throw new Error(`${this.#path} is not a key file; delete it to generate a new key`);
    }
    return keys;
  }

  #save(): void {
    const tmp = `${this.#path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.#keys, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.#path);
  }
}
