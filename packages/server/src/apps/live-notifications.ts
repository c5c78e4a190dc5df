import { PresenceError, type AppNotificationEvent } from '@presence/protocol';
import type { UserChannel } from '../presence/contacts-service.js';
import type { AppStore, StoredApp } from '../store/app-store.js';

/** Senders remembered for rate limiting; the least recently used are forgotten past this. */
const MAX_WINDOWS = 100_000;
const MINUTE = 60_000;

/**
 * Live notifications: an app sends a granted user a short text, delivered to every connected
 * session of the user as an `app.notification` event. Refused when the grant is paused or gone,
 * and limited per app and user twice: a sliding minute in this node's memory, and a count per
 * calendar minute in the store, which every node of a cluster shares (so spreading requests over
 * the nodes gains an app nothing).
 */
export class LiveNotifications {
  readonly #store: AppStore;
  readonly #users: UserChannel;
  readonly #perMinute: number;
  readonly #now: () => number;
  /** `${appId}\n${appUserId}` → send times within the last minute, oldest first. */
  readonly #sent = new Map<string, number[]>();

  constructor(deps: { store: AppStore; users: UserChannel; perMinute: number; now?: () => number }) {
    this.#store = deps.store;
    this.#users = deps.users;
    this.#perMinute = deps.perMinute;
    this.#now = deps.now ?? Date.now;
  }

  /** Resolves with how many sessions (and other nodes) got it; 0 when the user is offline. */
  async send(app: StoredApp, appUserId: string, text: string): Promise<number> {
    const grant = await this.#store.grantByAppUserId(app.id, appUserId);
    if (!grant)
      throw new PresenceError('FORBIDDEN', 'This user has not granted the app access (or revoked it).', {
        reason: 'not_granted',
      });
    if (grant.paused)
      throw new PresenceError('FORBIDDEN', 'This user has paused the app.', { reason: 'paused' });
    const now = this.#now();
    const key = `${app.id}\n${appUserId}`;
    const times = (this.#sent.get(key) ?? []).filter((t) => now - t < MINUTE);
    if (times.length >= this.#perMinute) {
      const retryAfterMs = MINUTE - (now - (times[0] ?? now));
      throw new PresenceError(
        'RATE_LIMITED',
        `At most ${this.#perMinute} notifications per user per minute.`,
        {
          retryAfterMs,
        },
      );
    }
    const windowStart = now - (now % MINUTE);
    const inMinute = await this.#store.countNotification(app.id, appUserId, windowStart);
    if (inMinute > this.#perMinute) {
      throw new PresenceError(
        'RATE_LIMITED',
        `At most ${this.#perMinute} notifications per user per minute.`,
        { retryAfterMs: windowStart + MINUTE - now },
      );
    }
    times.push(now);
    this.#sent.delete(key);
    this.#sent.set(key, times);
    if (this.#sent.size > MAX_WINDOWS) {
      const oldest = this.#sent.keys().next().value;
      if (oldest !== undefined) this.#sent.delete(oldest);
    }
    const event: AppNotificationEvent = {
      type: 'app.notification',
      app: { id: app.id, name: app.name },
      text,
      at: now,
    };
    return this.#users.send(grant.userId, event);
  }
}
