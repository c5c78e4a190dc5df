import type { Broker, BrokerListener, BrokerMessage, RecentEntry } from './broker.js';
import { RecentWindow } from './recent-window.js';

/** The default broker: one process, listeners called synchronously in publish order. */
export class InProcessBroker implements Broker {
  readonly #listeners = new Map<string, Set<BrokerListener>>();
  readonly #windows = new Map<string, RecentWindow>();
  readonly #direct = new Map<string, (json: string) => void>();
  readonly #windowSize: number;

  constructor(options: { windowSize: number }) {
    this.#windowSize = options.windowSize;
  }

  async publish(message: BrokerMessage, epoch?: string): Promise<void> {
    if (message.seq !== null && epoch !== undefined) {
      let window = this.#windows.get(message.room);
      if (!window || window.epoch !== epoch) {
        window = new RecentWindow(epoch, this.#windowSize, message.seq - 1);
        this.#windows.set(message.room, window);
      }
      window.push({ seq: message.seq, json: message.json });
    }
    const listeners = this.#listeners.get(message.room);
    if (!listeners) return;
    for (const listener of listeners) listener(message);
  }

  subscribe(room: string, listener: BrokerListener): () => void {
    let set = this.#listeners.get(room);
    if (!set) {
      set = new Set();
      this.#listeners.set(room, set);
    }
    set.add(listener);
    return () => {
      const current = this.#listeners.get(room);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.#listeners.delete(room);
    };
  }

  async resetWindow(room: string, epoch: string, lastSeq: number): Promise<void> {
    const existing = this.#windows.get(room);
    if (existing && existing.epoch === epoch && existing.lastSeq === lastSeq) return;
    this.#windows.set(room, new RecentWindow(epoch, this.#windowSize, lastSeq));
  }

  async since(room: string, epoch: string, after: number): Promise<RecentEntry[] | null> {
    const window = this.#windows.get(room);
    if (!window || window.epoch !== epoch) return null;
    return window.since(after);
  }

  async latest(room: string, count: number): Promise<RecentEntry[]> {
    return this.#windows.get(room)?.latest(count) ?? [];
  }

  async sendDirect(address: string, json: string): Promise<number> {
    const listener = this.#direct.get(address);
    listener?.(json);
    return listener ? 1 : 0;
  }

  subscribeDirect(sessionId: string, listener: (json: string) => void): () => void {
    this.#direct.set(sessionId, listener);
    return () => {
      if (this.#direct.get(sessionId) === listener) this.#direct.delete(sessionId);
    };
  }

  async dropRoom(room: string): Promise<void> {
    this.#windows.delete(room);
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    this.#windows.clear();
    this.#direct.clear();
  }
}
