/**
 * When webhook batches go out and when failed ones are retried: pure functions of the clock, so
 * that the timing is tested with fake timers and nothing else.
 */

export interface BatchRules {
  /** A batch waits at most this long after its oldest update (the seed's 30 s). */
  intervalMs: number;
  /** …or goes at once when it has this many updates. */
  batchSize: number;
}

/** When a batch whose oldest update was written at `oldestAt` and that holds `count` updates is due. */
export function batchDueAt(oldestAt: number, count: number, rules: BatchRules): number {
  return count >= rules.batchSize ? oldestAt : oldestAt + rules.intervalMs;
}

/** The wait before retry number `attempt` (1 = the first retry): doubling from `baseMs`, at most an hour. */
export function retryDelay(attempt: number, baseMs: number): number {
  return Math.min(3_600_000, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}

/** Whether `attempts` failures in a row have used up `retryMs` of retrying. */
export function retriesExhausted(attempts: number, baseMs: number, retryMs: number): boolean {
  let total = 0;
  for (let i = 1; i < attempts; i++) {
    total += retryDelay(i, baseMs);
    if (total >= retryMs) return true;
  }
  return false;
}
