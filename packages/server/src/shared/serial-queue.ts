/**
 * Runs tasks one after another. Each room has one, so sequence numbers are assigned, stored and
 * published in order even when a store write awaits in between.
 */
export class SerialQueue {
  /** Null until the first task: no promise per idle queue (every connection has one). */
  #tail: Promise<unknown> | null = null;
  #length = 0;

  get length(): number {
    return this.#length;
  }

  run<T>(task: () => Promise<T> | T): Promise<T> {
    this.#length++;
    const result = (this.#tail ?? Promise.resolve()).then(task);
    const done = (): void => {
      this.#length--;
    };
    this.#tail = result.then(done, done);
    return result;
  }
}
