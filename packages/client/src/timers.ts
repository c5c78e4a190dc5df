/** A timer handle in both Node (an object) and browsers (a number). */
export type Timer = ReturnType<typeof setTimeout>;

/**
 * Let Node exit while only this timer is left. Used for periodic housekeeping (heartbeats) that
 * must never be the one thing keeping a process alive; a no-op in browsers.
 */
export function unrefTimer(timer: Timer): Timer {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}

/**
 * Delay before reconnection attempt `attempt` (0-based): exponential from `minMs`, capped at
 * `maxMs`, with "equal jitter" (a random point in the upper half) so that many clients dropped by
 * the same server restart do not all come back in the same millisecond.
 */
export function reconnectDelay(attempt: number, minMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(attempt, 30));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
