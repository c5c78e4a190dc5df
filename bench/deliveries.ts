// The load generator's receiving side: counts deliveries, lets the publisher wait for a count, and
// samples publish→deliver latency from a timestamp embedded in the message text.
import type { Deliver, FanoutRoom } from './target.js';

export const TEXT_LENGTH = 150;

/** A 150-character chat text that carries its publish time: "|t<performance.now()>|xxx…". */
export function stampedText(now = performance.now()): string {
  const stamp = `|t${now.toFixed(3)}|`;
  return stamp + 'x'.repeat(TEXT_LENGTH - stamp.length);
}

function stampOf(payload: string): number {
  const at = payload.indexOf('|t');
  const end = at < 0 ? -1 : payload.indexOf('|', at + 2);
  return end < 0 ? NaN : Number(payload.slice(at + 2, end));
}

export class Deliveries {
  count = 0;
  /** Characters delivered (ASCII here: bytes of the payloads). */
  bytes = 0;
  /** Latency samples in ms, taken at every `sampleEvery`-th receiver when sampleEvery > 0. */
  samples: number[] = [];
  sampleEvery = 0;
  private waiter?: { goal: number; resolve: (reached: boolean) => void };

  readonly deliver: Deliver = (receiver, payload) => {
    this.count++;
    this.bytes += payload.length;
    if (this.sampleEvery > 0 && receiver % this.sampleEvery === 0) {
      const sent = stampOf(payload);
      if (!Number.isNaN(sent)) this.samples.push(performance.now() - sent);
    }
    if (this.waiter && this.count >= this.waiter.goal) {
      const { resolve } = this.waiter;
      this.waiter = undefined;
      resolve(true);
    }
  };

  /** Resolves true once `goal` deliveries were counted, false after `timeoutMs`. */
  until(goal: number, timeoutMs = 30_000): Promise<boolean> {
    if (this.count >= goal) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve(false);
      }, timeoutMs);
      this.waiter = {
        goal,
        resolve: (reached) => {
          clearTimeout(timer);
          resolve(reached);
        },
      };
    });
  }
}

/**
 * Publish `n` messages, at most `window` ahead of full delivery, and wait until all are delivered.
 * Stops early (returns the messages fully delivered) when `deadline` (performance.now()) passes.
 */
export async function windowedBurst(
  room: FanoutRoom,
  d: Deliveries,
  n: number,
  deadline = performance.now() + 60_000,
  window = 50,
): Promise<number> {
  const start = d.count;
  const delivered = (): number => Math.floor((d.count - start) / room.receivers);
  let sent = 0;
  while (sent < n && performance.now() < deadline) {
    room.publish(stampedText());
    sent++;
    if (sent >= window) {
      const ok = await d.until(start + (sent - window) * room.receivers, deadline - performance.now());
      if (!ok) return delivered();
    }
  }
  await d.until(start + sent * room.receivers, Math.max(0, deadline - performance.now()) + 5_000);
  return delivered();
}

export function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
