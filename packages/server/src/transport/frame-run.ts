import type { OutboundFrame } from './outbound-frame.js';

/** Frames per run; a busier room starts another run (a run keeps its frames alive while in use). */
const MAX_FRAMES = 256;

/** One transport's bytes of frames [from, to) of a run, kept for the next connection asking. */
interface Span {
  from: number;
  to: number;
  bytes: Buffer;
}

/**
 * Consecutive broadcast frames of one room, in publish order (RoomFanout starts one per room per
 * tick). A connection handed frames i, i+1, …, j of the same run queues just the range and writes
 * it once, as one buffer concatenated once per run for all recipients: per recipient and tick one
 * socket write, whatever the number of messages, instead of one stream write per message.
 */
export class FrameRun {
  readonly #frames: OutboundFrame[] = [];
  #ws: Span | undefined;
  #tcp: Span | undefined;

  get full(): boolean {
    return this.#frames.length >= MAX_FRAMES;
  }

  /** Append a frame; it learns its run and index. */
  add(frame: OutboundFrame): void {
    frame.joinRun(this, this.#frames.length);
    this.#frames.push(frame);
  }

  /** The bytes of frames [from, to) for a transport; one frame is its own cached encoding. */
  bytes(kind: 'ws' | 'tcp', from: number, to: number): Buffer {
    if (to - from === 1) return encode(this.#frames[from] as OutboundFrame, kind);
    const cached = kind === 'ws' ? this.#ws : this.#tcp;
    if (cached && cached.from === from && cached.to === to) return cached.bytes;
    const parts: Buffer[] = [];
    let length = 0;
    for (let i = from; i < to; i++) {
      const part = encode(this.#frames[i] as OutboundFrame, kind);
      parts.push(part);
      length += part.length;
    }
    const span = { from, to, bytes: Buffer.concat(parts, length) };
    if (kind === 'ws') this.#ws = span;
    else this.#tcp = span;
    return span.bytes;
  }
}

function encode(frame: OutboundFrame, kind: 'ws' | 'tcp'): Buffer {
  return kind === 'ws' ? frame.wsBytes() : frame.tcpBytes();
}
