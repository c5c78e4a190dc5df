import type { ErrorCode } from '@presence/protocol';

/**
 * The server answered a request with `error`.
 *
 * @example
 * try {
 *   await client.request('room.join', { room: 'lobby' });
 * } catch (error) {
 *   if (error instanceof PresenceRequestError && error.code === 'ROOM_NOT_FOUND') showNotFound();
 * }
 */
export class PresenceRequestError extends Error {
  /** The protocol error code the server sent. */
  readonly code: ErrorCode;
  /** The type of the request that failed, e.g. `chat.send`. */
  readonly requestType: string;
  /** For RATE_LIMITED: how long the server asks the client to wait. */
  readonly retryAfterMs: number | undefined;
  /** For INVITE_INVALID: why (`not_found`, `expired`, `used_up`, `revoked`). */
  readonly reason: string | undefined;

  constructor(code: ErrorCode, message: string, requestType: string, retryAfterMs?: number, reason?: string) {
    super(message);
    this.name = 'PresenceRequestError';
    this.code = code;
    this.requestType = requestType;
    this.retryAfterMs = retryAfterMs;
    this.reason = reason;
  }
}

/**
 * Why the client itself gave up on a request or a connection (no server error code applies):
 * - `TIMEOUT`: no reply within `requestTimeoutMs` (including time spent waiting for a reconnection);
 * - `CLOSED`: the client was closed (by `close()` or after a fatal error);
 * - `DISCONNECTED`: the connection dropped after a request that is not safe to repeat was sent, so
 *   its outcome is unknown;
 * - `TOO_MANY_PENDING`: too many requests are waiting for a reply;
 * - `NOT_CONNECTED`: `connect()` was never called;
 * - `CONNECT_FAILED`: the transport could not be opened.
 *
 * @example
 * const retryable: ClientErrorCode[] = ['TIMEOUT', 'DISCONNECTED'];
 */
export type ClientErrorCode =
  'TIMEOUT' | 'CLOSED' | 'DISCONNECTED' | 'TOO_MANY_PENDING' | 'NOT_CONNECTED' | 'CONNECT_FAILED';

/**
 * A failure detected by the client rather than reported by the server.
 *
 * @example
 * client.request('rooms.mine', {}).catch((error) => {
 *   if (error instanceof PresenceClientError && error.code === 'TIMEOUT') retryLater();
 * });
 */
export class PresenceClientError extends Error {
  readonly code: ClientErrorCode;

  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PresenceClientError';
    this.code = code;
  }
}
