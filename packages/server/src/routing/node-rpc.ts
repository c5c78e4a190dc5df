import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { PresenceError, isErrorCode, type ErrorDetails } from '@presence/protocol';
import { RoomElsewhereError } from '../rooms/room-homes.js';

/** The request could not be answered by that node: it is gone, or did not reply in time. */
export class NodeUnreachableError extends Error {
  constructor(node: string, why: string) {
    super(`node ${node} unreachable: ${why}`);
    this.name = 'NodeUnreachableError';
  }
}

interface Request {
  t: 'q';
  id: string;
  from: string;
  op: string;
  args: unknown[];
}

interface Reply {
  t: 'r';
  id: string;
  ok: boolean;
  value?: unknown;
  /** A typed error (PresenceError), or ELSEWHERE when the room is no longer homed there. */
  error?: { code: string; message: string; details?: ErrorDetails };
}

/** Requests awaiting a reply, at most this many at once (each also times out). */
const MAX_PENDING = 10_000;

/**
 * Request/reply between cluster nodes over Redis pub/sub: each node listens on a channel of its
 * own. Used to run a room's operations on the room's home node. Replies carry results as JSON and
 * typed errors as codes, so a PresenceError thrown on the home node reaches the client unchanged.
 */
export class NodeRpc {
  readonly #pub: Redis;
  readonly #sub: Redis;
  readonly #prefix: string;
  readonly #instanceId: string;
  readonly #timeoutMs: number;
  readonly #handle: (op: string, args: unknown[]) => Promise<unknown>;
  readonly #onError: (err: unknown, op: string) => void;
  readonly #pending = new Map<
    string,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }
  >();

  constructor(options: {
    redisUrl: string;
    prefix: string;
    instanceId: string;
    timeoutMs: number;
    /** Runs an operation asked of this node. */
    handle: (op: string, args: unknown[]) => Promise<unknown>;
    /** Unexpected (non-PresenceError) failures of handled operations, for the log. */
    onError: (err: unknown, op: string) => void;
  }) {
    this.#prefix = options.prefix;
    this.#instanceId = options.instanceId;
    this.#timeoutMs = options.timeoutMs;
    this.#handle = options.handle;
    this.#onError = options.onError;
    const connectionName = `presence:${options.instanceId}`;
    this.#pub = new Redis(options.redisUrl, {
      maxRetriesPerRequest: 3,
      enableAutoPipelining: true,
      connectionName,
    });
    this.#sub = new Redis(options.redisUrl, { connectionName });
    this.#pub.on('error', () => undefined);
    this.#sub.on('error', () => undefined);
    this.#sub.on('message', (_channel: string, payload: string) => this.#onMessage(payload));
  }

  #channel(instanceId: string): string {
    return `${this.#prefix}rpc:${instanceId}`;
  }

  /** Start answering requests (resolves once the subscription is active). */
  async start(): Promise<void> {
    await this.#sub.subscribe(this.#channel(this.#instanceId));
  }

  /** Ask `node` to run `op(...args)`; rejects with its typed error, or NodeUnreachableError. */
  async call(node: string, op: string, args: unknown[]): Promise<unknown> {
    if (this.#pending.size >= MAX_PENDING) {
      throw new PresenceError('ROOM_UNAVAILABLE', 'Too many requests in flight to other nodes.');
    }
    const id = randomUUID();
    const request: Request = { t: 'q', id, from: this.#instanceId, op, args };
    const reply = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new NodeUnreachableError(node, `no reply within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve, reject, timer });
    });
    let receivers: number;
    try {
      receivers = await this.#pub.publish(this.#channel(node), JSON.stringify(request));
    } catch (err) {
      this.#settle(id, undefined, new NodeUnreachableError(node, (err as Error).message));
      return reply;
    }
    // Nobody subscribed: the node is gone (its lease has not lapsed yet).
    if (receivers === 0) this.#settle(id, undefined, new NodeUnreachableError(node, 'not listening'));
    return reply;
  }

  #settle(id: string, value: unknown, error?: Error): void {
    const p = this.#pending.get(id);
    if (!p) return;
    this.#pending.delete(id);
    clearTimeout(p.timer);
    if (error) p.reject(error);
    else p.resolve(value);
  }

  #onMessage(payload: string): void {
    let message: Request | Reply;
    try {
      message = JSON.parse(payload) as Request | Reply;
    } catch {
      return;
    }
    if (message.t === 'r') {
      this.#settle(message.id, message.value, message.ok ? undefined : toError(message.error));
      return;
    }
    void this.#answer(message);
  }

  async #answer(request: Request): Promise<void> {
    let reply: Reply;
    try {
      const value = await this.#handle(request.op, request.args);
      reply = { t: 'r', id: request.id, ok: true, value };
    } catch (err) {
      reply = { t: 'r', id: request.id, ok: false, error: fromError(err) };
      if (!(err instanceof PresenceError) && !(err instanceof RoomElsewhereError)) {
        this.#onError(err, request.op);
      }
    }
    await this.#pub.publish(this.#channel(request.from), JSON.stringify(reply)).catch(() => undefined);
  }

  async close(): Promise<void> {
    for (const [id] of this.#pending) this.#settle(id, undefined, new Error('closing'));
    await Promise.allSettled([this.#pub.quit(), this.#sub.quit()]);
  }
}

function fromError(err: unknown): NonNullable<Reply['error']> {
  if (err instanceof RoomElsewhereError) return { code: 'ELSEWHERE', message: err.roomId };
  if (err instanceof PresenceError) {
    return {
      code: err.code,
      message: err.message,
      // Details (retryAfterMs, reason) travel too: a rate limit hit on the home node must tell
      // a client on another node when to retry, exactly as it would locally.
      ...(err.details !== undefined ? { details: err.details } : {}),
    };
  }
  if (err instanceof Error && err.name === 'StoreUnavailableError') {
    return { code: 'STORE_UNAVAILABLE', message: 'The database is unreachable; try again shortly.' };
  }
  return { code: 'INTERNAL_ERROR', message: 'The server failed unexpectedly; the request had no effect.' };
}

function toError(error: Reply['error']): Error {
  if (error?.code === 'ELSEWHERE') return new RoomElsewhereError(error.message);
  if (error && isErrorCode(error.code)) {
    return new PresenceError(error.code, error.message, error.details);
  }
  return new PresenceError('INTERNAL_ERROR');
}
