import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { RequestFilteringHttpAgent, RequestFilteringHttpsAgent } from 'request-filtering-agent';
import { Webhook } from 'standardwebhooks';
import type { Logger } from '../ops/logger.js';
import type { AppStore, StoredApp, StoredUpdate } from '../store/app-store.js';
import { batchDueAt, retriesExhausted, retryDelay } from './webhook-schedule.js';

export interface WebhookOptions {
  appsWebhookIntervalMs: number;
  appsWebhookBatchSize: number;
  appsWebhookRetryHours: number;
  appsWebhookTimeoutMs: number;
  appsAllowPrivateWebhooks: boolean;
}

/** Deliveries kept per app for its developer to see. */
const DELIVERIES_KEPT = 50;
/** Longest answer body read (only its first bytes go into the delivery log). */
const MAX_ANSWER = 4_096;

/** One webhook body: the seed's list, each entry `[appUserId, state, since]` plus the status text when shared. */
export function webhookBody(updates: readonly StoredUpdate[]): string {
  return JSON.stringify(
    updates.map((u) =>
      u.status === null ? [u.appUserId, u.state, u.since] : [u.appUserId, u.state, u.since, u.status],
    ),
  );
}

interface Answer {
  status: number;
  error: string | null;
}

/**
 * Batched, signed webhooks out of the outbox. Every tick, each app with a webhook whose batch is
 * due (its oldest undelivered update waited the interval, or the batch is full) gets one POST: a
 * JSON list of updates signed with Standard Webhooks, whose `webhook-id` names the batch's seq
 * range so a retry carries the same id (the receiver's idempotency key). 2xx moves the app's
 * cursor; 410 disables the webhook; anything else is retried with exponential backoff for
 * `appsWebhookRetryHours`, then the webhook is disabled. Every attempt is logged for the developer.
 *
 * In a cluster every node runs a sender; a lease per app in the store lets one node at a time
 * deliver it, so each batch is sent once per cluster. Destinations are checked when the
 * connection is made (the resolved address, so DNS rebinding cannot get around it) by
 * request-filtering-agent; node:http does not follow redirects.
 */
export class WebhookSender {
  readonly #store: AppStore;
  readonly #options: WebhookOptions;
  readonly #owner: string;
  readonly #log: Logger | undefined;
  readonly #now: () => number;
  readonly #httpAgent: http.Agent;
  readonly #httpsAgent: https.Agent;
  readonly #tickMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(deps: {
    store: AppStore;
    options: WebhookOptions;
    owner: string;
    log?: Logger;
    now?: () => number;
  }) {
    this.#store = deps.store;
    this.#options = deps.options;
    this.#owner = deps.owner;
    this.#log = deps.log;
    this.#now = deps.now ?? Date.now;
    const filter = {
      allowPrivateIPAddress: deps.options.appsAllowPrivateWebhooks,
      allowMetaIPAddress: false,
    };
    this.#httpAgent = new RequestFilteringHttpAgent({ ...filter, keepAlive: true, maxSockets: 4 });
    this.#httpsAgent = new RequestFilteringHttpsAgent({ ...filter, keepAlive: true, maxSockets: 4 });
    this.#tickMs = Math.max(20, Math.min(1_000, Math.floor(deps.options.appsWebhookIntervalMs / 4)));
  }

  /** The base of the retry backoff: 5 s, or the batch interval when that is shorter (tests). */
  get #retryBaseMs(): number {
    return Math.min(5_000, this.#options.appsWebhookIntervalMs);
  }

  start(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setInterval(() => this.kick(), this.#tickMs);
    this.#timer.unref();
  }

  /** Look now (new updates were written: a batch may be full). */
  kick(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.#round()
      .catch((err: unknown) => this.#log?.warn({ err }, 'webhook round failed'))
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.kick();
        }
      });
  }

  /** Resolves when the current round (if any) is over. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #round(): Promise<void> {
    const apps = await this.#store.webhookApps();
    // Apps are independent: a slow receiver must not hold up the others.
    await Promise.all(apps.map((app) => this.#maybeSend(app)));
  }

  async #maybeSend(app: StoredApp): Promise<void> {
    const now = this.#now();
    if (app.webhookNextAt > now || app.webhookUrl === null) return;
    const size = this.#options.appsWebhookBatchSize;
    let updates = await this.#store.updatesAfter(app.id, app.webhookCursor, size);
    // A batch being retried is resent exactly, under the same id.
    if (app.webhookBatchTo > 0) updates = updates.filter((u) => u.seq <= app.webhookBatchTo);
    const first = updates[0];
    const last = updates[updates.length - 1];
    if (!first || !last) return;
    const due =
      app.webhookBatchTo > 0
        ? now
        : batchDueAt(first.createdAt, updates.length, {
            intervalMs: this.#options.appsWebhookIntervalMs,
            batchSize: size,
          });
    if (due > now) return;
    const leaseMs = this.#options.appsWebhookTimeoutMs * 2 + 5_000;
    if (!(await this.#store.lease(app.id, this.#owner, now, now + leaseMs))) return;
    // Read again under the lease: another node may have delivered meanwhile.
    const fresh = await this.#store.getApp(app.id);
    if (!fresh || fresh.webhookCursor !== app.webhookCursor || fresh.webhookUrl !== app.webhookUrl) return;

    const webhookId = `msg_${app.id}_${first.seq}_${last.seq}`;
    const body = webhookBody(updates);
    const attempt = app.webhookAttempts + 1;
    const answer = await this.#post(app, webhookId, body);
    await this.#store.addDelivery(
      {
        id: randomUUID(),
        appId: app.id,
        webhookId,
        at: this.#now(),
        status: answer.status,
        error: answer.error,
        attempt,
        updates: updates.length,
      },
      DELIVERIES_KEPT,
    );
    if (answer.status >= 200 && answer.status < 300) {
      await this.#store.webhookProgress(app.id, { cursor: last.seq, attempts: 0, nextAt: 0, batchTo: 0 });
      // More may be waiting (a full batch): look again at once.
      if (updates.length >= size) this.#again = true;
      return;
    }
    if (answer.status === 410) {
      this.#log?.info({ app: app.id }, 'webhook answered 410 Gone: disabled');
      await this.#store.webhookProgress(app.id, {
        attempts: 0,
        nextAt: 0,
        batchTo: 0,
        disabledAt: this.#now(),
      });
      return;
    }
    const base = this.#retryBaseMs;
    if (retriesExhausted(attempt + 1, base, this.#options.appsWebhookRetryHours * 3_600_000)) {
      this.#log?.warn({ app: app.id }, 'webhook failing for too long: disabled');
      await this.#store.webhookProgress(app.id, {
        attempts: attempt,
        nextAt: 0,
        batchTo: 0,
        disabledAt: this.#now(),
      });
      return;
    }
    await this.#store.webhookProgress(app.id, {
      attempts: attempt,
      nextAt: this.#now() + retryDelay(attempt, base),
      batchTo: last.seq,
    });
  }

  #post(app: StoredApp, webhookId: string, body: string): Promise<Answer> {
    const url = new URL(app.webhookUrl ?? '');
    const at = new Date(this.#now());
    const signature = new Webhook(app.signingSecret).sign(webhookId, at, body);
    const isHttps = url.protocol === 'https:';
    const request = isHttps ? https.request : http.request;
    return new Promise<Answer>((resolve) => {
      const req = request(
        url,
        {
          method: 'POST',
          agent: isHttps ? this.#httpsAgent : this.#httpAgent,
          timeout: this.#options.appsWebhookTimeoutMs,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'Presence-Webhooks/1',
            'webhook-id': webhookId,
            'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
            'webhook-signature': signature,
          },
        },
        (res) => {
          let got = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (got.length < MAX_ANSWER) got += chunk;
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            resolve({ status, error: status >= 200 && status < 300 ? null : got.slice(0, 200) || null });
          });
          res.on('error', (err) => resolve({ status: res.statusCode ?? 0, error: err.message }));
        },
      );
      req.on('timeout', () =>
        req.destroy(new Error(`no answer within ${this.#options.appsWebhookTimeoutMs} ms`)),
      );
      req.on('error', (err) => resolve({ status: 0, error: err.message.slice(0, 200) }));
      req.end(body);
    });
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }
}
