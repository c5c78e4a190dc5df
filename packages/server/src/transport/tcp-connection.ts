import type { Socket } from 'node:net';
import { Connection, type ConnectionLimits, type ConnectionSink } from './connection.js';
import { LineSplitter } from './line-splitter.js';
import type { OutboundFrame } from './outbound-frame.js';

/** A raw TCP connection speaking one JSON message per line. */
export class TcpConnection extends Connection {
  readonly kind = 'tcp' as const;
  readonly #lines: LineSplitter;

  constructor(socket: Socket, limits: ConnectionLimits, sink: ConnectionSink) {
    super(socket, limits, sink);
    this.#lines = new LineSplitter(limits.maxFrameBytes);
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.handleSocketClosed());
    // A half-closed client has said all it will say; finish our side too.
    socket.on('end', () => socket.end());
  }

  protected encode(frame: OutboundFrame): Buffer {
    return frame.tcpBytes();
  }

  ping(tcpPing: OutboundFrame): void {
    this.send(tcpPing);
  }

  protected shutdown(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 2_000).unref();
  }

  #onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastSeen = Date.now();
    const lines = this.#lines.push(chunk);
    if (lines === 'too-large') {
      this.close('FRAME_TOO_LARGE', `Lines are limited to ${this.limits.maxFrameBytes} bytes.`);
      return;
    }
    for (const line of lines) {
      if (this.closed) return;
      this.sink.onFrame(this, line);
    }
  }
}
