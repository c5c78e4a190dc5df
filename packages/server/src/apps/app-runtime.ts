import type { Broker } from '../broker/broker.js';
import type { Logger } from '../ops/logger.js';
import type { UserChannel } from '../presence/contacts-service.js';
import type { PresenceService } from '../presence/presence-service.js';
import type { AppStore } from '../store/app-store.js';
import { AppOutbox } from './app-outbox.js';
import { AppService } from './app-service.js';
import { appStateOf } from './app-state.js';
import { AppStreams } from './app-streams.js';
import { LiveNotifications } from './live-notifications.js';
import { WebhookSender, type WebhookOptions } from './webhook-sender.js';

export interface AppOptions extends WebhookOptions {
  appsGuestConsent: boolean;
  appsCodeTtlMs: number;
  appsStreamRetentionMs: number;
  appsNotifyPerMinute: number;
  /** After a start, users apps think online are set offline once this has passed (sessions resume meanwhile). */
  sessionGraceMs: number;
  presenceCoalesceMs: number;
}

/** How often kept updates older than the retention window are dropped. */
const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Everything third-party apps need at run time, wired together: the service (registration,
 * consent, grants), the outbox fed by presence, the webhook sender, the open streams and live
 * notifications. `start` begins the timers; `close` stops them (idempotent).
 */
export class AppRuntime {
  readonly service: AppService;
  readonly outbox: AppOutbox;
  readonly webhooks: WebhookSender;
  readonly streams: AppStreams;
  readonly notifications: LiveNotifications;
  readonly #store: AppStore;
  readonly #presence: PresenceService;
  readonly #options: AppOptions;
  readonly #log: Logger;
  readonly #timers: NodeJS.Timeout[] = [];
  #closed = false;

  constructor(deps: {
    store: AppStore;
    presence: PresenceService;
    broker: Broker;
    users: UserChannel;
    serverSecret: Uint8Array;
    instanceId: string;
    options: AppOptions;
    log: Logger;
  }) {
    this.#store = deps.store;
    this.#presence = deps.presence;
    this.#options = deps.options;
    this.#log = deps.log;
    this.streams = new AppStreams(deps.broker);
    const written = (): void => {
      this.streams.wake();
      this.webhooks.kick();
    };
    this.webhooks = new WebhookSender({
      store: deps.store,
      options: deps.options,
      owner: deps.instanceId,
      log: deps.log,
    });
    this.outbox = new AppOutbox({ store: deps.store, log: deps.log, written });
    this.service = new AppService({
      store: deps.store,
      serverSecret: deps.serverSecret,
      options: deps.options,
      current: (userId) => appStateOf(deps.presence.viewOf(userId), Date.now()),
      written,
    });
    this.notifications = new LiveNotifications({
      store: deps.store,
      users: deps.users,
      perMinute: deps.options.appsNotifyPerMinute,
    });
    deps.presence.onPublished((userId, view) => this.outbox.changed(userId, view));
  }

  start(): void {
    this.webhooks.start();
    const sweep = setTimeout(
      () => {
        this.outbox
          .sweepAfterStart((userId) => this.#presence.viewOf(userId).state === 'offline')
          .catch((err: unknown) => this.#log.warn({ err }, 'app presence sweep failed'));
      },
      this.#options.sessionGraceMs + this.#options.presenceCoalesceMs * 4 + 1_000,
    );
    sweep.unref();
    const prune = setInterval(() => {
      this.#store
        .prune(Date.now() - this.#options.appsStreamRetentionMs)
        .catch((err: unknown) => this.#log.warn({ err }, 'app updates not pruned'));
    }, PRUNE_EVERY_MS);
    prune.unref();
    this.#timers.push(sweep, prune);
  }

  /** Stop timers and streams; pending outbox writes finish first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.streams.close();
    await this.outbox.settled();
    this.outbox.close();
    this.webhooks.close();
    await this.webhooks.idle();
  }
}
