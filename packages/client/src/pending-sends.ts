import type { ResultOf } from '@presence/protocol';
import type { PresenceClientError, PresenceRequestError } from './errors.js';

/**
 * A chat message handed to the client and not yet acknowledged by the server.
 *
 * @example
 * for (const p of client.pendingSends('lobby')) timeline.showPending(p.nonce, p.text);
 */
export interface PendingSend {
  room: string;
  /** Sent with the message: the server stores a nonce once, so re-sends cannot duplicate it. */
  nonce: string;
  text: string;
  /** When it was handed to the client (ms since the epoch). */
  createdAt: number;
}

/**
 * A pending send was acknowledged: it is stored at `result.seq` (`result.duplicate` when an earlier
 * attempt had already been stored).
 *
 * @example
 * client.on('send.settled', ({ nonce, result }: SendSettled) => timeline.confirm(nonce, result.seq));
 */
export interface SendSettled extends PendingSend {
  result: ResultOf<'chat.send'>;
}

/**
 * A pending send will not be sent: the server refused it (e.g. MESSAGE_TOO_LONG, FORBIDDEN) or the
 * client was closed. Connection drops and RATE_LIMITED never end here: those are retried.
 *
 * @example
 * client.on('send.failed', ({ nonce, error }: SendFailed) => timeline.markFailed(nonce, error.message));
 */
export interface SendFailed extends PendingSend {
  error: PresenceClientError | PresenceRequestError;
}

/** The chat sends in flight, by nonce, in the order they were made. */
export class PendingSends {
  readonly #byNonce = new Map<string, PendingSend>();

  add(send: PendingSend): void {
    this.#byNonce.set(send.nonce, send);
  }

  take(nonce: string): PendingSend | undefined {
    const send = this.#byNonce.get(nonce);
    this.#byNonce.delete(nonce);
    return send;
  }

  has(nonce: string): boolean {
    return this.#byNonce.has(nonce);
  }

  list(room?: string): PendingSend[] {
    const all = [...this.#byNonce.values()];
    return (room === undefined ? all : all.filter((s) => s.room === room)).map((s) => ({ ...s }));
  }
}
