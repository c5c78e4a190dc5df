import {
  ERRORS,
  PresenceError,
  decodeClientMessage,
  type AnyRequest,
  type ErrorCode,
  type RequestId,
} from '@presence/protocol';
import type { Logger } from '../ops/logger.js';
import type { Metrics } from '../ops/metrics.js';
import { SerialQueue } from '../shared/serial-queue.js';
import { StoreUnavailableError } from '../store/store.js';
import type { Connection, ConnectionSink } from '../transport/connection.js';
import { OutboundFrame } from '../transport/outbound-frame.js';
import type { Handlers, HandlerContext } from './handlers.js';
import type { Session } from './session.js';
import type { SessionManager } from './session-manager.js';
import { TokenBucket } from './token-bucket.js';

export interface GatewayLimits {
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  rateLimitCloseAfter: number;
}

/** What the gateway keeps per connection. */
interface ClientState {
  session: Session | undefined;
  helloInFlight: boolean;
  bucket: TokenBucket;
  /** Requests of one connection are handled in order, one at a time. */
  queue: SerialQueue;
}

const BINARY_REFUSED = 'Binary frames are not accepted; send JSON as text frames.';

/** `{"type":"ok","id":…,"result":…}` as JSON.stringify writes it, without the wrapper object. */
function okJson(id: RequestId, result: unknown): string {
  if (result === undefined) return JSON.stringify({ type: 'ok', id });
  const idJson = typeof id === 'number' ? String(id) : JSON.stringify(id);
  return `{"type":"ok","id":${idJson},"result":${JSON.stringify(result)}}`;
}

/** Requests allowed to wait in one connection's queue; beyond it the client is flooding. */
const MAX_QUEUED_REQUESTS = 256;

/**
 * Between transport and domain: validates every frame against its schema, enforces the rate
 * limit, requires hello first, dispatches to handlers and answers each request exactly once.
 */
export class Gateway implements ConnectionSink {
  readonly #handlers: Handlers;
  readonly #sessions: SessionManager;
  readonly #limits: GatewayLimits;
  readonly #metrics: Metrics;
  readonly #log: Logger;

  constructor(deps: {
    handlers: Handlers;
    sessions: SessionManager;
    limits: GatewayLimits;
    metrics: Metrics;
    log: Logger;
  }) {
    this.#handlers = deps.handlers;
    this.#sessions = deps.sessions;
    this.#limits = deps.limits;
    this.#metrics = deps.metrics;
    this.#log = deps.log;
  }

  onOpen(conn: Connection): void {
    const state: ClientState = {
      session: undefined,
      helloInFlight: false,
      bucket: new TokenBucket(this.#limits.rateLimitPerSecond, this.#limits.rateLimitBurst),
      queue: new SerialQueue(),
    };
    conn.state = state;
    this.#metrics.connections.inc({ transport: conn.kind });
  }

  onClose(conn: Connection, code: ErrorCode | null): void {
    const state = conn.state as ClientState | undefined;
    if (code !== null) this.#metrics.errors.inc({ code });
    if (!state) return;
    this.#metrics.connections.dec({ transport: conn.kind });
    if (state.session) this.#sessions.detach(state.session, conn);
  }

  onFrame(conn: Connection, frame: string): void {
    const state = conn.state as ClientState | undefined;
    if (!state) return;
    // Every frame costs a token, valid or not, so garbage cannot flood past the limit.
    const allowed = state.bucket.take();
    const decoded = decodeClientMessage(frame);
    if (!allowed) {
      if (state.bucket.reject() > this.#limits.rateLimitCloseAfter) {
        conn.close('RATE_LIMITED', 'Sustained flooding: connection closed.');
        return;
      }
      const id = decoded.ok ? ('id' in decoded.message ? decoded.message.id : undefined) : decoded.id;
      this.#replyError(conn, id, 'RATE_LIMITED', undefined, state.bucket.retryAfterMs());
      return;
    }
    if (!decoded.ok) {
      // Through the queue, so replies keep the order of the requests.
      void state.queue.run(() => this.#replyError(conn, decoded.id, decoded.code, decoded.message));
      return;
    }
    const message = decoded.message;
    this.#metrics.countIn(message.type);
    if (message.type === 'pong') return;
    if (state.queue.length >= MAX_QUEUED_REQUESTS) {
      this.#replyError(conn, message.id, 'RATE_LIMITED', 'Too many requests in flight.');
      return;
    }
    void state.queue.run(() => this.#handle(conn, state, message));
  }

  onBinaryFrame(conn: Connection): void {
    const state = conn.state as ClientState | undefined;
    if (!state) return;
    if (!state.bucket.take()) {
      if (state.bucket.reject() > this.#limits.rateLimitCloseAfter) {
        conn.close('RATE_LIMITED', 'Sustained flooding: connection closed.');
      } else {
        this.#replyError(conn, undefined, 'RATE_LIMITED', undefined, state.bucket.retryAfterMs());
      }
      return;
    }
    // Through the queue, so replies keep the order of the frames.
    void state.queue.run(() => this.#replyError(conn, undefined, 'PROTOCOL_ERROR', BINARY_REFUSED));
  }

  async #handle(conn: Connection, state: ClientState, request: AnyRequest): Promise<void> {
    if (conn.closed) return;
    if (request.type === 'hello') {
      if (state.session || state.helloInFlight) {
        this.#replyError(conn, request.id, 'ALREADY_HELLO');
        return;
      }
      state.helloInFlight = true;
      try {
        state.session = await this.#sessions.hello(conn, request);
        // The connection may have dropped while hello was in flight.
        if (conn.closed) this.#sessions.detach(state.session, conn);
      } catch (err) {
        this.#replyFailure(conn, request.id, err);
      } finally {
        state.helloInFlight = false;
      }
      return;
    }
    const session = state.session;
    if (!session) {
      this.#replyError(conn, request.id, 'HELLO_REQUIRED');
      return;
    }
    const after: (() => void)[] = [];
    const ctx: HandlerContext = { session, afterReply: (fn) => after.push(fn) };
    try {
      const handler = this.#handlers[request.type] as (c: HandlerContext, r: AnyRequest) => Promise<unknown>;
      const result = await handler(ctx, request);
      conn.send(new OutboundFrame(okJson(request.id, result)));
    } catch (err) {
      this.#replyFailure(conn, request.id, err);
    }
    for (const fn of after) fn();
  }

  #replyFailure(conn: Connection, id: RequestId, err: unknown): void {
    if (err instanceof PresenceError) {
      this.#replyError(conn, id, err.code, err.message, err.details?.retryAfterMs, err.details?.reason);
    } else if (err instanceof StoreUnavailableError) {
      this.#replyError(conn, id, 'STORE_UNAVAILABLE');
    } else {
      this.#log.error({ err }, 'request failed');
      this.#replyError(conn, id, 'INTERNAL_ERROR');
    }
  }

  #replyError(
    conn: Connection,
    id: RequestId | undefined,
    code: ErrorCode,
    message: string = ERRORS[code].text,
    retryAfterMs?: number,
    reason?: string,
  ): void {
    this.#metrics.errors.inc({ code });
    const sent = conn.send(
      OutboundFrame.of({
        type: 'error',
        ...(id !== undefined ? { id } : {}),
        code,
        message,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        ...(reason !== undefined ? { reason } : {}),
      }),
    );
    // A request error whose code ends the connection (UNSUPPORTED_VERSION) closes it after the reply.
    if (sent && id !== undefined && ERRORS[code].closes) conn.close(code, undefined, false);
  }
}
