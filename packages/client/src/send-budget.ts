/**
 * The client's copy of the server's per-connection token bucket (`welcome.limits.ratePerSecond` and
 * `burst`). The server counts a frame when it arrives; the client counts it when it leaves. Delays on
 * the way can bunch frames up, so the copy runs a little slower and keeps a few tokens in reserve:
 * a frame the client sends is one the server will accept.
 */
export class SendBudget {
  #perMs = 0;
  #capacity = 0;
  #tokens = 0;
  #last = 0;
  #pausedUntil = 0;

  /** A new connection: its bucket starts full, less the `hello` already sent on it. */
  reset(ratePerSecond: number, burst: number, now = Date.now()): void {
    // 10% slower than announced and a tenth of the burst held back absorbs jitter of ~burst/10 frames.
    this.#perMs = (ratePerSecond * 0.9) / 1000;
    this.#capacity = Math.max(1, burst - Math.max(1, Math.floor(burst / 10)));
    this.#tokens = Math.max(0, this.#capacity - 1);
    this.#last = now;
    this.#pausedUntil = 0;
  }

  /** Take a token for a frame about to be sent; false when the frame must wait. */
  take(now = Date.now()): boolean {
    this.#refill(now);
    if (now < this.#pausedUntil || this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Milliseconds until `take` can succeed (at least 1). */
  waitMs(now = Date.now()): number {
    this.#refill(now);
    const paused = this.#pausedUntil - now;
    const refill = this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) / this.#perMs);
    return Math.max(1, paused, refill);
  }

  /** The server refused a frame anyway (RATE_LIMITED): send nothing for `ms`, then start from empty. */
  pause(ms: number, now = Date.now()): void {
    this.#refill(now);
    this.#tokens = 0;
    this.#pausedUntil = Math.max(this.#pausedUntil, now + ms);
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#perMs);
    this.#last = now;
  }
}
