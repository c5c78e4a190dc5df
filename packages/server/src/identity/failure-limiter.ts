/**
 * Counts failures per key (a username, an IP address) in a fixed window that starts at the first
 * failure. Memory is bounded: past `maxKeys` the oldest entries are dropped (expired ones first).
 * In memory and per node: a cluster multiplies the allowance by its node count, which is still
 * far below what online password guessing needs.
 */
export interface FailureLimit {
  /** Failures allowed in one window; the next attempt is refused until the window ends. */
  max: number;
  windowMs: number;
}

interface Entry {
  count: number;
  resetAt: number;
}

export class FailureLimiter {
  readonly #entries = new Map<string, Entry>();
  readonly #limit: FailureLimit;
  readonly #maxKeys: number;
  readonly #now: () => number;

  constructor(limit: FailureLimit, options: { maxKeys?: number; now?: () => number } = {}) {
    this.#limit = limit;
    this.#maxKeys = options.maxKeys ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Milliseconds until `key` may try again, or 0 when it may try now. */
  retryAfterMs(key: string): number {
    const e = this.#live(key);
    return e && e.count >= this.#limit.max ? e.resetAt - this.#now() : 0;
  }

  fail(key: string): void {
    const e = this.#live(key);
    if (e) {
      e.count++;
      return;
    }
    if (this.#entries.size >= this.#maxKeys) this.#evict();
    this.#entries.set(key, { count: 1, resetAt: this.#now() + this.#limit.windowMs });
  }

  /** Take back one failure (an attempt counted up front turned out to succeed). */
  forgive(key: string): void {
    const e = this.#live(key);
    if (e && --e.count <= 0) this.#entries.delete(key);
  }

  reset(key: string): void {
    this.#entries.delete(key);
  }

  #live(key: string): Entry | undefined {
    const e = this.#entries.get(key);
    if (e && e.resetAt <= this.#now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }

  #evict(): void {
    const now = this.#now();
    for (const [k, e] of this.#entries) if (e.resetAt <= now) this.#entries.delete(k);
    // Still full: drop the oldest tenth (Map order is insertion order), so a flood of new keys
    // pays for a sweep once per many inserts rather than on every one.
    const target = Math.floor(this.#maxKeys * 0.9);
    for (const k of this.#entries.keys()) {
      if (this.#entries.size <= target) break;
      this.#entries.delete(k);
    }
  }
}
