/**
 * Per-connection rate limit: `burst` tokens, refilled at `perSecond`. Also counts rejections over
 * a sliding 10 s window so the gateway can tell a brief burst (answered RATE_LIMITED) from
 * sustained flooding (the connection is closed).
 */
export class TokenBucket {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #last: number;
  #rejections: number[] = [];

  constructor(perSecond: number, burst: number, now = Date.now()) {
    this.#perMs = perSecond / 1000;
    this.#burst = burst;
    this.#tokens = burst;
    this.#last = now;
  }

  /** Take a token; false when none is left. */
  take(now = Date.now()): boolean {
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return false;
  }

  /** Milliseconds until a token is available. */
  retryAfterMs(): number {
    return Math.ceil((1 - this.#tokens) / this.#perMs);
  }

  /** Record a rejection; returns how many happened in the last 10 s. */
  reject(now = Date.now()): number {
    const from = now - 10_000;
    while (this.#rejections.length > 0 && (this.#rejections[0] ?? 0) < from) this.#rejections.shift();
    this.#rejections.push(now);
    return this.#rejections.length;
  }
}
