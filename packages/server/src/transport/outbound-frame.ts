import type { FrameRun } from './frame-run.js';

/**
 * One outbound message, serialized once. Each transport asks for its own encoding, built lazily and
 * cached on the frame, so a broadcast to a thousand sockets does one JSON.stringify, one UTF-8
 * encode and one WebSocket frame build, and writes the very same bytes to every recipient.
 */
export class OutboundFrame {
  readonly json: string;
  /** The room event's seq, for per-session de-duplication; null for anything not sequenced. */
  readonly seq: number | null;
  /**
   * The same event in the lean shape for `v: 2` sessions (a live chat message), framed once for
   * all of them like this one; null when there is none (every session writes this frame).
   */
  lean: OutboundFrame | null = null;
  /** The broadcast run this frame belongs to (see FrameRun), and its index there. */
  #run: FrameRun | null = null;
  #runIndex = -1;
  #payload: Buffer | undefined;
  #line: Buffer | undefined;
  #ws: Buffer | undefined;

  constructor(json: string, seq: number | null = null) {
    this.json = json;
    this.seq = seq;
  }

  get run(): FrameRun | null {
    return this.#run;
  }

  get runIndex(): number {
    return this.#runIndex;
  }

  /** Called by FrameRun.add, once. */
  joinRun(run: FrameRun, index: number): void {
    if (this.#run !== null) throw new Error('a frame belongs to one run');
    this.#run = run;
    this.#runIndex = index;
  }

  static of(message: object, seq: number | null = null): OutboundFrame {
    return new OutboundFrame(JSON.stringify(message), seq);
  }

  get byteLength(): number {
    return this.payload().length;
  }

  payload(): Buffer {
    return (this.#payload ??= Buffer.from(this.json, 'utf8'));
  }

  /** The message followed by a newline: one TCP line. JSON.stringify never emits a raw newline. */
  tcpBytes(): Buffer {
    if (!this.#line) {
      const payload = this.payload();
      const line = Buffer.allocUnsafe(payload.length + 1);
      payload.copy(line, 0);
      line[payload.length] = 0x0a;
      this.#line = line;
    }
    return this.#line;
  }

  /**
   * A complete unmasked WebSocket text frame (RFC 6455 §5.2): servers never mask. The text is
   * encoded straight into the frame (no payload buffer in between, unless one was made already).
   */
  wsBytes(): Buffer {
    if (!this.#ws) {
      const payload = this.#payload;
      const n = payload !== undefined ? payload.length : Buffer.byteLength(this.json, 'utf8');
      const headerLength = n < 126 ? 2 : n < 65_536 ? 4 : 10;
      const frame = Buffer.allocUnsafe(headerLength + n);
      frame[0] = 0x81; // FIN + opcode 1 (text)
      if (n < 126) {
        frame[1] = n;
      } else if (n < 65_536) {
        frame[1] = 126;
        frame.writeUInt16BE(n, 2);
      } else {
        frame[1] = 127;
        frame.writeBigUInt64BE(BigInt(n), 2);
      }
      if (payload !== undefined) payload.copy(frame, headerLength);
      else frame.write(this.json, headerLength, n, 'utf8');
      this.#ws = frame;
    }
    return this.#ws;
  }
}
