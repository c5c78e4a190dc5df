/** A listener for one event type. */
export type Listener<P> = (payload: P) => void;

/**
 * A minimal typed event emitter, so the SDK has no dependency and runs the same in browsers and
 * Node. Unlike Node's EventEmitter, an `error` event without listeners is not thrown: the client
 * reports connection errors as events and keeps running.
 *
 * @example
 * const emitter = new TypedEmitter<{ count: number }>();
 * const stop = emitter.on('count', (n) => console.log(n));
 * emitter.emit('count', 1);
 * stop();
 */
export class TypedEmitter<M extends object> {
  private readonly listeners = new Map<keyof M, Set<Listener<unknown>>>();

  /**
   * @param report receives errors thrown by listeners. The default re-throws on a fresh stack,
   *   where it is as visible as an uncaught EventEmitter error, instead of breaking the emitter's
   *   caller (the client's state machine) half-way through a message.
   */
  constructor(
    private readonly report: (error: unknown) => void = (error) =>
      queueMicrotask(() => {
        throw error;
      }),
  ) {}

  /** Add a listener; returns a function that removes it again. */
  on<K extends keyof M>(type: K, listener: Listener<M[K]>): () => void {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener as Listener<unknown>);
    return () => this.off(type, listener);
  }

  /** Remove a listener added with `on`; removing an unknown listener does nothing. */
  off<K extends keyof M>(type: K, listener: Listener<M[K]>): void {
    const set = this.listeners.get(type);
    if (!set) return;
    set.delete(listener as Listener<unknown>);
    if (set.size === 0) this.listeners.delete(type);
  }

  /** Call every listener of `type`; one that throws does not stop the others (see `report`). */
  emit<K extends keyof M>(type: K, payload: M[K]): void {
    const set = this.listeners.get(type);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        listener(payload);
      } catch (error) {
        this.report(error);
      }
    }
  }

  /** How many listeners `type` has (for tests and diagnostics). */
  listenerCount(type: keyof M): number {
    return this.listeners.get(type)?.size ?? 0;
  }
}
