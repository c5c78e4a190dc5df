import type { RecentEntry } from './broker.js';

/**
 * A bounded ring of a room's latest sequenced events. It knows the range it covers, so it can tell
 * "nothing missed" (after >= lastSeq) from "cannot say" (the client is further behind than the ring).
 */
export class RecentWindow {
  readonly epoch: string;
  readonly #capacity: number;
  readonly #ring: (RecentEntry | undefined)[];
  #start = 0;
  #size = 0;
  /** The seq just before the oldest entry the window can vouch for. */
  #floor: number;
  #lastSeq: number;

  constructor(epoch: string, capacity: number, lastSeq = 0) {
    this.epoch = epoch;
    this.#capacity = capacity;
    this.#ring = new Array<RecentEntry | undefined>(capacity);
    this.#floor = lastSeq;
    this.#lastSeq = lastSeq;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  push(entry: RecentEntry): void {
    if (entry.seq !== this.#lastSeq + 1) {
      // Out of sequence: the window can no longer vouch for anything before this entry.
      this.#start = 0;
      this.#size = 0;
      this.#floor = entry.seq - 1;
    }
    if (this.#size === this.#capacity) {
      const evicted = this.#ring[this.#start];
      this.#floor = evicted ? evicted.seq : this.#floor;
      this.#start = (this.#start + 1) % this.#capacity;
      this.#size--;
    }
    this.#ring[(this.#start + this.#size) % this.#capacity] = entry;
    this.#size++;
    this.#lastSeq = entry.seq;
  }

  /** Entries with seq > after, or null when the window does not reach back that far. */
  since(after: number): RecentEntry[] | null {
    if (after >= this.#lastSeq) return after === this.#lastSeq ? [] : null;
    if (after < this.#floor) return null;
    const out: RecentEntry[] = [];
    for (let i = 0; i < this.#size; i++) {
      const e = this.#ring[(this.#start + i) % this.#capacity];
      if (e && e.seq > after) out.push(e);
    }
    return out;
  }

  latest(count: number): RecentEntry[] {
    const n = Math.min(count, this.#size);
    const out: RecentEntry[] = [];
    for (let i = this.#size - n; i < this.#size; i++) {
      const e = this.#ring[(this.#start + i) % this.#capacity];
      if (e) out.push(e);
    }
    return out;
  }
}
