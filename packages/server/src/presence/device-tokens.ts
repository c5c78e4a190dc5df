import { createHash, randomBytes } from 'node:crypto';
import type { DeviceType } from '@presence/protocol';
import type { SocialStore, StoredDeviceToken } from '../store/social-store.js';

/** Tokens look like `pdt_` + 43 base64url characters; anything else is not looked up. */
const TOKEN = /^pdt_[A-Za-z0-9_-]{43}$/;
/** Lookups kept in memory, so a device reporting every minute does not hit the store each time. */
const CACHE_SIZE = 10_000;
const CACHE_MS = 60_000;

export function hashDeviceToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Tokens for devices without a socket (a desk phone, a calendar, a script) to report presence
 * over HTTP. Only the SHA-256 of a token is stored; the token itself is shown once, when made.
 * Each token is one device of its user (its id derives from the hash).
 */
export class DeviceTokens {
  readonly #store: Pick<SocialStore, 'createDeviceToken' | 'findDeviceToken'>;
  readonly #now: () => number;
  readonly #cache = new Map<string, { token: StoredDeviceToken; at: number }>();

  constructor(
    store: Pick<SocialStore, 'createDeviceToken' | 'findDeviceToken'>,
    now: () => number = Date.now,
  ) {
    this.#store = store;
    this.#now = now;
  }

  async create(userId: string, name: string, device: DeviceType): Promise<string> {
    const token = `pdt_${randomBytes(32).toString('base64url')}`;
    await this.#store.createDeviceToken({
      tokenHash: hashDeviceToken(token),
      userId,
      name,
      device,
      createdAt: this.#now(),
    });
    return token;
  }

  /** The token's record, or undefined for a malformed or unknown token. */
  async find(token: string): Promise<StoredDeviceToken | undefined> {
    if (!TOKEN.test(token)) return undefined;
    const hash = hashDeviceToken(token);
    const now = this.#now();
    const cached = this.#cache.get(hash);
    if (cached && now - cached.at < CACHE_MS) return cached.token;
    const found = await this.#store.findDeviceToken(hash);
    this.#cache.delete(hash);
    if (found) {
      this.#cache.set(hash, { token: found, at: now });
      if (this.#cache.size > CACHE_SIZE) {
        const oldest = this.#cache.keys().next().value;
        if (oldest !== undefined) this.#cache.delete(oldest);
      }
    }
    return found;
  }

  /** The presence device id of a token: stable, and not the hash itself. */
  static deviceId(record: StoredDeviceToken): string {
    return `token:${record.tokenHash.slice(0, 16)}`;
  }
}
