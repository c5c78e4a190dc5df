/**
 * Splits a TCP byte stream into lines without decoding partial UTF-8: bytes are kept until a
 * newline arrives, so a multibyte character split across chunks stays intact. A line longer than
 * `maxLineBytes` is reported once and the splitter stops (the stream is out of sync after it).
 */
export class LineSplitter {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #failed = false;
  readonly #maxLineBytes: number;

  constructor(maxLineBytes: number) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Feed a chunk; returns complete lines (without the newline, CR stripped) or 'too-large'. */
  push(chunk: Buffer): string[] | 'too-large' {
    if (this.#failed) return [];
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      const part = chunk.subarray(start, nl);
      if (this.#pendingBytes + part.length > this.#maxLineBytes) return this.#fail();
      let line: Buffer = part;
      if (this.#pending.length > 0) {
        this.#pending.push(part);
        line = Buffer.concat(this.#pending, this.#pendingBytes + part.length);
        this.#pending = [];
        this.#pendingBytes = 0;
      }
      const end = line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length;
      if (end > 0) lines.push(line.toString('utf8', 0, end));
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      if (this.#pendingBytes + rest.length > this.#maxLineBytes) return this.#fail();
      // Copy: the chunk's memory may be reused by the socket.
      this.#pending.push(Buffer.from(rest));
      this.#pendingBytes += rest.length;
    }
    return lines;
  }

  #fail(): 'too-large' {
    this.#failed = true;
    this.#pending = [];
    this.#pendingBytes = 0;
    return 'too-large';
  }
}
