import { PresenceClientError } from './errors.js';
import type { Timer } from './timers.js';

/** One request waiting for its reply. */
export interface PendingRequest {
  readonly id: number;
  readonly type: string;
  /** The complete message, kept so it can be sent again on a new connection. */
  readonly frame: Readonly<Record<string, unknown>>;
  /** Safe to send again after a reconnect (idempotent, or de-duplicated by nonce). */
  readonly resend: boolean;
  /** Sent on the current connection (false while queued for the next one). */
  sent: boolean;
  /**
   * No timeout (chat sends): queued behind the rate budget, waiting for a reconnection or for a
   * reply, it stays until the server answers (it answers every request once) or the client closes.
   * A dead connection is the heartbeat's to notice; then the request is sent again.
   */
  readonly patient?: boolean;
  /** Called with the `ok` result, before the caller's promise resolves. */
  readonly onResult?: (result: unknown) => void;
  resolve(result: unknown): void;
  reject(error: Error): void;
}

export type NewRequest = Omit<PendingRequest, 'sent' | 'resolve' | 'reject'>;

/**
 * The table of requests awaiting replies, in id order (a Map keeps insertion order, and ids only
 * grow), bounded so a stalled connection cannot make it grow without limit.
 */
export class PendingRequests {
  private readonly entries = new Map<number, { request: PendingRequest; timer: Timer | undefined }>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.entries.size;
  }

  /** Register a request; its promise rejects with TIMEOUT after `timeoutMs` (unless patient). */
  add(spec: NewRequest, timeoutMs: number): Promise<unknown> {
    if (this.entries.size >= this.limit) {
      return Promise.reject(
        new PresenceClientError(
          'TOO_MANY_PENDING',
          `${this.limit} requests are already waiting for a reply; wait for some to finish.`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const request: PendingRequest = { ...spec, sent: false, resolve, reject };
      const timer = spec.patient ? undefined : this.timer(request, timeoutMs);
      this.entries.set(spec.id, { request, timer });
    });
  }

  /** The request went out on the current connection. */
  markSent(id: number): void {
    const entry = this.entries.get(id);
    if (entry) entry.request.sent = true;
  }

  /** The server did not process it (RATE_LIMITED): it waits to be sent again. */
  requeue(id: number): void {
    const entry = this.entries.get(id);
    if (entry) entry.request.sent = false;
  }

  /** Every waiting request, oldest first. */
  all(): PendingRequest[] {
    return [...this.entries.values()].map((e) => e.request);
  }

  private timer(request: PendingRequest, timeoutMs: number): Timer {
    // Not unref'd: a caller awaiting this reply wants the process to stay up until it settles,
    // and the wait is bounded by the timeout.
    return setTimeout(() => {
      this.take(request.id)?.reject(
        new PresenceClientError('TIMEOUT', `${request.type} got no reply within ${timeoutMs} ms.`),
      );
    }, timeoutMs);
  }

  get(id: number): PendingRequest | undefined {
    return this.entries.get(id)?.request;
  }

  /** Remove a request (its reply came or it gave up) and stop its timer. */
  take(id: unknown): PendingRequest | undefined {
    if (typeof id !== 'number') return undefined;
    const entry = this.entries.get(id);
    if (!entry) return undefined;
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    this.entries.delete(id);
    return entry.request;
  }

  /** Requests not yet sent on the current connection, oldest first. */
  unsent(): PendingRequest[] {
    return [...this.entries.values()].map((e) => e.request).filter((r) => !r.sent);
  }

  /**
   * The connection dropped. Requests that are safe to repeat wait for the next connection; the
   * others already reached the server (or not — nobody can tell), so they fail with DISCONNECTED
   * rather than being applied twice.
   */
  disconnected(): void {
    for (const { request } of [...this.entries.values()]) {
      if (!request.sent) continue;
      if (request.resend) {
        request.sent = false;
      } else {
        this.take(request.id)?.reject(
          new PresenceClientError(
            'DISCONNECTED',
            `The connection dropped before ${request.type} was answered; it may or may not have taken effect.`,
          ),
        );
      }
    }
  }

  rejectAll(error: Error): void {
    for (const id of [...this.entries.keys()]) this.take(id)?.reject(error);
  }
}
