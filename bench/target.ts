// What every server under test offers the scenarios: start it, fill a room, open idle connections.
import type { BenchServer } from './bench-child.js';

/** Called by a target for each chat message delivered to receiver `receiver` (0-based). */
export type Deliver = (receiver: number, payload: string) => void;

export interface FanoutRoom {
  /** Members that receive (the publisher is not counted). */
  receivers: number;
  /** Publish one chat message from the publisher to the room. */
  publish(text: string): void;
  close(): void;
}

export interface Target {
  name: string;
  start(): Promise<BenchServer>;
  /** One room of `members` connections: the first publishes, the others receive. */
  room(server: BenchServer, members: number, deliver: Deliver): Promise<FanoutRoom>;
  /** `count` idle connections, authenticated and in rooms where the target has those. */
  idle?(server: BenchServer, count: number): Promise<() => void>;
}

/** Run fn(0 … count-1) with at most `concurrency` calls in flight; results in index order. */
export async function parallel<T>(
  count: number,
  concurrency: number,
  fn: (i: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      results[i] = await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
