import type { UserPresence } from '@presence/protocol';
import type { Logger } from '../ops/logger.js';
import type { AppState, AppStore } from '../store/app-store.js';
import { appStateOf } from './app-state.js';

/** After a failed write (store down), the pending transitions are tried again this much later. */
const RETRY_MS = 1_000;

/**
 * Feeds the durable outbox from presence: every change of a user's presence as others see it
 * becomes, if apps would see a difference, one store transaction that records the new state and
 * adds one update per granted, unpaused app (kysely-app-store `transition`). The store compares
 * with what apps were last told, so in a cluster, where every node runs the presence engine and
 * sees the same transition, only the first node to write it adds updates.
 *
 * Writes run one at a time in arrival order; a user's transitions that pile up behind a slow
 * store collapse into the latest (apps are told states, not every flicker).
 */
export class AppOutbox {
  readonly #store: AppStore;
  readonly #log: Logger | undefined;
  readonly #written: () => void;
  readonly #pending = new Map<string, AppState>();
  #running = false;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;
  #idle: (() => void)[] = [];

  constructor(deps: { store: AppStore; log?: Logger; written: () => void }) {
    this.#store = deps.store;
    this.#log = deps.log;
    this.#written = deps.written;
  }

  /** A presence change (PresenceService.onPublished). */
  changed(userId: string, others: UserPresence): void {
    this.push(userId, appStateOf(others, Date.now()));
  }

  push(userId: string, next: AppState): void {
    if (this.#closed) return;
    this.#pending.delete(userId);
    this.#pending.set(userId, next);
    void this.#drain();
  }

  /** Resolves when everything pushed so far is written (tests, shutdown). */
  settled(): Promise<void> {
    if (!this.#running && this.#pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async #drain(): Promise<void> {
    if (this.#running || this.#retry) return;
    this.#running = true;
    let wrote = 0;
    try {
      for (;;) {
        const first = this.#pending.entries().next();
        if (first.done) break;
        const [userId, next] = first.value;
        this.#pending.delete(userId);
        try {
          wrote += await this.#store.transition(userId, next);
        } catch (err) {
          // Keep it (unless a newer one came meanwhile) and try again shortly.
          if (!this.#pending.has(userId)) this.#pending.set(userId, next);
          this.#log?.warn({ err }, 'app outbox write failed; retrying');
          if (!this.#closed) {
            this.#retry = setTimeout(() => {
              this.#retry = undefined;
              void this.#drain();
            }, RETRY_MS);
            this.#retry.unref();
          }
          break;
        }
        if (wrote >= 100) {
          this.#written();
          wrote = 0;
        }
      }
    } finally {
      this.#running = false;
      if (wrote > 0) this.#written();
      if (this.#pending.size === 0 || this.#closed) {
        for (const resolve of this.#idle.splice(0)) resolve();
      }
    }
  }

  /**
   * After a start: users apps were last told are online but whom presence does not know now (the
   * server, or the whole cluster, stopped or crashed meanwhile) are offline.
   */
  async sweepAfterStart(isOffline: (userId: string) => boolean): Promise<void> {
    for (const userId of await this.#store.usersNotOffline()) {
      if (isOffline(userId) && !this.#pending.has(userId))
        this.push(userId, { state: 'offline', status: null, since: Date.now() });
    }
  }

  close(): void {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    this.#retry = undefined;
  }
}
