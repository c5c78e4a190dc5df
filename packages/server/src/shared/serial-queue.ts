/**
 * Runs tasks one after another. Each room has one, so sequence numbers are assigned, stored and
 * published in order even when a store write awaits in between.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();
  #length = 0;

  get length(): number {
    return this.#length;
  }

  run<T>(task: () => Promise<T> | T): Promise<T> {
    this.#length++;
    const result = this.#tail.then(task);
    const done = (): void => {
      this.#length--;
    };
    this.#tail = result.then(done, done);
    return result;
  }
}
