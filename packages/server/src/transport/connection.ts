import type { Socket } from 'node:net';
import { ERRORS, type ErrorCode } from '@presence/protocol';
import type { FrameRun } from './frame-run.js';
import { OutboundFrame } from './outbound-frame.js';

export type TransportKind = 'ws' | 'tcp';

/** What the transport reports upward. The gateway implements it; transport knows nothing of rooms. */
export interface ConnectionSink {
  onOpen(conn: Connection): void;
  onFrame(conn: Connection, frame: string): void;
  /**
   * A WebSocket binary frame: refused, but only after it paid what any frame costs, so that a
   * flood of them meets the same rate limit as text.
   */
  onBinaryFrame(conn: Connection): void;
  onClose(conn: Connection, code: ErrorCode | null): void;
}

export interface ConnectionLimits {
  maxFrameBytes: number;
  maxQueueBytes: number;
}

let nextId = 1;

/**
 * One client connection, WebSocket or TCP, with identical semantics. Writes go to the socket
 * corked for the rest of the current tick so a burst becomes one system call (broadcast frames are
 * coalesced before that, see #run), and the socket's write buffer plus that coalesced range is the
 * bounded send queue: past `maxQueueBytes` the reader is too slow and is cut off with
 * SLOW_CONSUMER instead of being buffered without bound.
 */
export abstract class Connection {
  readonly id = String(nextId++);
  abstract readonly kind: TransportKind;
  /** The client's address: the socket's peer, or (trustProxy) what the proxy forwarded. */
  remoteAddress: string;
  readonly openedAt = Date.now();
  /** Last time anything arrived from the client (data, pong). */
  lastSeen = Date.now();
  /** Opaque slot for the layer above (the gateway keeps its per-connection state here). */
  state: unknown = undefined;
  #closed = false;
  #corked = false;
  protected readonly socket: Socket;
  protected readonly limits: ConnectionLimits;
  protected readonly sink: ConnectionSink;

  /** Called once the underlying socket is fully closed (the hub forgets the connection then). */
  onSocketClosed: (() => void) | undefined = undefined;
  #socketGone = false;
  #socketClosed: Promise<void> | undefined;
  #resolveSocketClosed: (() => void) | undefined;

  constructor(socket: Socket, limits: ConnectionLimits, sink: ConnectionSink) {
    // No promise per connection unless someone waits (a shutdown): idle connections are many.
    socket.once('close', () => {
      this.#socketGone = true;
      this.#resolveSocketClosed?.();
      this.onSocketClosed?.();
    });
    this.socket = socket;
    this.limits = limits;
    this.sink = sink;
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
  }

  /** Resolves when the underlying socket is fully closed (not merely marked closed). */
  get socketClosed(): Promise<void> {
    this.#socketClosed ??= this.#socketGone
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          this.#resolveSocketClosed = resolve;
        });
    return this.#socketClosed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes accepted for sending but not yet handed to the kernel. */
  get queuedBytes(): number {
    return this.socket.writableLength + this.#runBytes;
  }

  protected abstract encode(frame: OutboundFrame): Buffer;
  /** Send a heartbeat probe in this transport's way. */
  abstract ping(tcpPing: OutboundFrame): void;
  /** Transport-specific close after the error frame was queued. */
  protected abstract shutdown(code: ErrorCode | null): void;

  /**
   * Connections corked in this tick. One nextTick writes their queued runs and uncorks them all: a
   * broadcast to a thousand sockets schedules one callback instead of a thousand.
   */
  static #corkedNow: Connection[] = [];

  static readonly #uncorkAll = (): void => {
    const corked = Connection.#corkedNow;
    // Swapped first, so a send made while uncorking (it should not happen) gets a tick of its own.
    Connection.#corkedNow = [];
    for (let i = 0; i < corked.length; i++) {
      const conn = corked[i] as Connection;
      conn.#corked = false;
      if (conn.#run !== null) {
        if (conn.#closed) conn.#dropRun();
        else conn.#writeRun();
      }
      conn.socket.uncork();
    }
  };

  /**
   * Broadcast frames queued but not yet written: [#runFrom, #runTo) of #run. Consecutive frames of
   * one run are written at the end of the tick as one buffer shared by every recipient; anything
   * else sent meanwhile writes the range first, so the byte order is exactly the send order.
   */
  #run: FrameRun | null = null;
  #runFrom = 0;
  #runTo = 0;
  #runBytes = 0;

  /** Queue a frame. Returns false when the connection is closed or was just cut off as too slow. */
  send(frame: OutboundFrame): boolean {
    if (this.#closed) return false;
    const socket = this.socket;
    const run = frame.run;
    if (run !== null && run === this.#run && frame.runIndex === this.#runTo) {
      // The hot path of a broadcast burst: extend the range, nothing touches the socket.
      this.#runTo++;
    } else {
      if (!this.#corked) {
        this.#corked = true;
        socket.cork();
        if (Connection.#corkedNow.push(this) === 1) process.nextTick(Connection.#uncorkAll);
      }
      if (this.#run !== null) this.#writeRun();
      if (run === null) {
        socket.write(this.encode(frame));
      } else {
        this.#run = run;
        this.#runFrom = frame.runIndex;
        this.#runTo = frame.runIndex + 1;
      }
    }
    if (run !== null) this.#runBytes += this.encode(frame).length;
    if (socket.writableLength + this.#runBytes > this.limits.maxQueueBytes) {
      this.#markClosed('SLOW_CONSUMER');
      // The queue is full, so a polite goodbye would wait behind it: drop the socket now.
      this.#dropRun();
      socket.destroy();
      return false;
    }
    return true;
  }

  #writeRun(): void {
    const run = this.#run as FrameRun;
    const bytes = run.bytes(this.kind, this.#runFrom, this.#runTo);
    this.#dropRun();
    this.socket.write(bytes);
  }

  #dropRun(): void {
    this.#run = null;
    this.#runBytes = 0;
  }

  /**
   * Send `{type:'error', code}` (unless code is null or `announce` is false, e.g. when the error was
   * already sent as a request's reply) and close with the code's close status. Safe to call twice.
   */
  close(code: ErrorCode | null, message?: string, announce = true): void {
    if (this.#closed) return;
    if (code !== null && announce) {
      this.send(OutboundFrame.of({ type: 'error', code, message: message ?? ERRORS[code].text }));
    }
    if (this.#closed) return; // the error frame itself overflowed the queue
    // Queued broadcast frames go out before the transport's goodbye (a WebSocket close frame).
    if (this.#run !== null) this.#writeRun();
    this.#markClosed(code);
    this.shutdown(code);
    this.#boundTrailingInput();
  }

  /**
   * After our goodbye the client has a short while to finish the close handshake, but a client
   * that keeps sending (a flood we just closed) would be read at full speed meanwhile: past a few
   * frames' worth of further input the socket is dropped at once.
   */
  #boundTrailingInput(): void {
    let budget = this.limits.maxFrameBytes * 4;
    this.socket.on('data', (chunk: Buffer) => {
      budget -= chunk.length;
      if (budget < 0) this.socket.destroy();
    });
  }

  /** Destroy the socket without a goodbye (shutdown deadline passed). Safe on a closed connection. */
  destroy(): void {
    this.#markClosed(null);
    this.#dropRun();
    this.socket.destroy();
  }

  /** Called by subclasses when the socket is gone, whoever closed it. */
  protected handleSocketClosed(): void {
    this.#markClosed(null);
  }

  #markClosed(code: ErrorCode | null): void {
    if (this.#closed) return;
    this.#closed = true;
    this.sink.onClose(this, code);
  }
}
