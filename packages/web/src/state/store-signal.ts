/**
 * The bridge from the app's stores (plain classes that emit events) to signals. The stores stay
 * the one place where state lives; a component reads a store's `version` signal inside a
 * `computed`, so whatever it derives is recomputed when, and only when, that store changed.
 */
import { signal, type ReadonlySignal } from '@preact/signals';

/** Any of the app's stores (`Emitter` subclasses): only "tell me when `event` happens" is used. */
export interface Subscribable<K extends string> {
  on(type: K, handler: () => void): () => void;
}

const versions = new WeakMap<object, Map<string, ReadonlySignal<number>>>();

/**
 * A counter that goes up on every `event` of `store`. One subscription per store and event, shared
 * by every component that reads it; it lives as long as the store does.
 */
export function storeVersion<K extends string>(store: Subscribable<K>, event: K): ReadonlySignal<number> {
  let byEvent = versions.get(store);
  if (!byEvent) versions.set(store, (byEvent = new Map()));
  let version = byEvent.get(event);
  if (!version) {
    const counter = signal(0);
    store.on(event, () => {
      counter.value++;
    });
    byEvent.set(event, (version = counter));
  }
  return version;
}

/** A counter that goes up every `ms` while anything reads it ("last seen 3 min ago" ages). */
const clocks = new Map<number, ReadonlySignal<number>>();
export function clockTick(ms: number): ReadonlySignal<number> {
  let clock = clocks.get(ms);
  if (!clock) {
    const counter = signal(0);
    window.setInterval(() => {
      counter.value++;
    }, ms);
    clocks.set(ms, (clock = counter));
  }
  return clock;
}

/** Read `versions` so that the surrounding `computed` (or component) depends on them. */
export function track(...versions: ReadonlySignal<number>[]): void {
  versions.reduce((sum, version) => sum + version.value, 0);
}
