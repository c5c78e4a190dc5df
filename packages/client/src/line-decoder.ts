/**
 * Splits a byte stream into newline-terminated UTF-8 lines (the TCP framing). Chunks may end
 * anywhere: inside a line, or inside a multi-byte character, which the streaming TextDecoder keeps
 * until its remaining bytes arrive. Splitting the decoded text on '\n' is safe because that byte
 * never occurs inside a multi-byte UTF-8 sequence.
 *
 * @example
 * const lines = new LineDecoder();
 * socket.on('data', (chunk) => lines.push(chunk).forEach(handleMessage));
 */
export class LineDecoder {
  private readonly decoder = new TextDecoder('utf-8');
  private partial = '';

  /** @param maxLineLength longest line accepted, in UTF-16 units, so a peer that never sends '\n' cannot exhaust memory. */
  constructor(private readonly maxLineLength = 16 * 1024 * 1024) {}

  /** Feed a chunk; returns the complete, non-empty lines it finished (without '\n' or '\r'). */
  push(chunk: Uint8Array): string[] {
    const text = this.decoder.decode(chunk, { stream: true });
    const lines: string[] = [];
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      this.keep(lines, this.partial + text.slice(start, end));
      this.partial = '';
      start = end + 1;
    }
    this.partial += text.slice(start);
    if (this.partial.length > this.maxLineLength) {
      throw new RangeError(`A line is longer than ${this.maxLineLength} characters.`);
    }
    return lines;
  }

  private keep(lines: string[], line: string): void {
    const trimmed = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (trimmed.length > this.maxLineLength) {
      throw new RangeError(`A line is longer than ${this.maxLineLength} characters.`);
    }
    if (trimmed.length > 0) lines.push(trimmed);
  }
}
