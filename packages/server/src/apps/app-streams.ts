import { randomUUID } from 'node:crypto';
import type { Broker } from '../broker/broker.js';

/** One open stream, as the HTTP edge drives it. */
export interface StreamHandle {
  /** New updates may be in the outbox. */
  wake(): void;
  /** Another stream of the same app took over (the seed's "duplicate logins"). */
  replaced(): void;
}

/**
 * Which app streams are open: one per app in the whole cluster. Opening a stream tells every
 * node, over the broker's direct address `app-stream:<appId>`, to end the app's previous stream.
 */
export class AppStreams {
  readonly #broker: Broker;
  readonly #open = new Map<string, { token: string; handle: StreamHandle; unsubscribe: () => void }>();

  constructor(broker: Broker) {
    this.#broker = broker;
  }

  /** Register the app's new stream; resolves with the function that unregisters it. */
  async open(appId: string, handle: StreamHandle): Promise<() => void> {
    const token = randomUUID();
    const address = `app-stream:${appId}`;
    this.#replaceLocal(appId);
    // Other nodes' streams of this app end; ours listens only after, so it hears later openers.
    await this.#broker.sendDirect(address, token);
    const unsubscribe = this.#broker.subscribeDirect(address, (from) => {
      if (from !== token) this.#replaceLocal(appId);
    });
    this.#open.set(appId, { token, handle, unsubscribe });
    return () => {
      const entry = this.#open.get(appId);
      if (entry?.token !== token) {
        unsubscribe();
        return;
      }
      this.#open.delete(appId);
      unsubscribe();
    };
  }

  #replaceLocal(appId: string): void {
    const entry = this.#open.get(appId);
    if (!entry) return;
    this.#open.delete(appId);
    entry.unsubscribe();
    entry.handle.replaced();
  }

  /** The outbox got updates: every open stream reads. */
  wake(): void {
    for (const { handle } of this.#open.values()) handle.wake();
  }

  get size(): number {
    return this.#open.size;
  }

  /** End every stream (shutdown). */
  close(): void {
    for (const appId of [...this.#open.keys()]) this.#replaceLocal(appId);
  }
}
