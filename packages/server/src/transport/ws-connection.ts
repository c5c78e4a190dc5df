import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { ERRORS, type ErrorCode } from '@presence/protocol';
import { Connection, type ConnectionLimits, type ConnectionSink } from './connection.js';
import type { OutboundFrame } from './outbound-frame.js';

/**
 * A WebSocket connection. The `ws` library does the handshake and parses inbound frames; outbound
 * frames are pre-built once per broadcast (OutboundFrame.wsBytes) and written to the raw socket.
 * That is safe because permessage-deflate is off, so `ws` itself writes synchronously too (pings,
 * close frames) and nothing interleaves inside a frame.
 */
export class WsConnection extends Connection {
  readonly kind = 'ws' as const;
  readonly #ws: WebSocket;

  constructor(ws: WebSocket, socket: Socket, limits: ConnectionLimits, sink: ConnectionSink) {
    super(socket, limits, sink);
    this.#ws = ws;
    // Listeners shared by every connection (ws calls them with the WebSocket as `this`): no
    // closures per connection, of which there may be tens of thousands idle.
    (ws as WithConnection)[CONNECTION] = this;
    ws.on('message', onMessage);
    ws.on('pong', onAlive);
    // A client pinging without reading its pongs is terminated by ws (maxPendingAutoPongs).
    ws.on('ping', onAlive);
    // ws reports oversize frames (beyond its hard guard) and protocol violations here, then closes.
    ws.on('error', ignore);
    ws.on('close', onClose);
  }

  /** For the shared 'close' listener. */
  socketGone(): void {
    this.handleSocketClosed();
  }

  protected encode(frame: OutboundFrame): Buffer {
    return frame.wsBytes();
  }

  ping(): void {
    if (!this.closed) this.#ws.ping();
  }

  protected shutdown(code: ErrorCode | null): void {
    const status = code === null ? 1000 : ERRORS[code].wsClose;
    this.#ws.close(status, code ?? '');
    // A client that never answers the close handshake is dropped rather than waited for.
    setTimeout(() => this.socket.destroy(), 2_000).unref();
  }

  /** A frame from the client (called by the shared 'message' listener). */
  onMessage(data: unknown, isBinary: boolean): void {
    if (this.closed) return;
    this.lastSeen = Date.now();
    const buffer = toBuffer(data);
    if (buffer.length > this.limits.maxFrameBytes) {
      this.close('FRAME_TOO_LARGE', `Frames are limited to ${this.limits.maxFrameBytes} bytes.`);
      return;
    }
    if (isBinary) {
      // Refused by the gateway, after the rate limit: binary floods are floods too.
      this.sink.onBinaryFrame(this);
      return;
    }
    this.sink.onFrame(this, buffer.toString('utf8'));
  }
}

const CONNECTION = Symbol('connection');
type WithConnection = WebSocket & { [CONNECTION]: WsConnection };

function onMessage(this: WebSocket, data: unknown, isBinary: boolean): void {
  (this as WithConnection)[CONNECTION].onMessage(data, isBinary);
}
function onAlive(this: WebSocket): void {
  (this as WithConnection)[CONNECTION].lastSeen = Date.now();
}
function onClose(this: WebSocket): void {
  (this as WithConnection)[CONNECTION].socketGone();
}
function ignore(): void {}

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data as Buffer[]);
  return Buffer.from(data as ArrayBuffer);
}
