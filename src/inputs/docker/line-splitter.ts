const NEWLINE = 0x0a;

export interface SplitLine {
  text: string;
  /** Byte offset in the source where this line starts. */
  start: number;
  /** Byte offset in the source just after this line's newline. */
  end: number;
  /** Set when the line was cut at the limit. */
  originalBytes?: number;
}

/**
 * Splits a byte stream (exec output, frames follow write() calls, not lines) into lines, keeping
 * each line's end offset; a partial line waits for its newline.
 */
export class ByteLineSplitter {
  private parts: Buffer[] = [];
  private keptBytes = 0;
  private pendingBytes = 0;

  constructor(
    private readonly maxLineBytes: number,
    /** Offset of the next byte. */
    public offset = 0,
  ) {}

  push(chunk: Buffer, onLine: (line: SplitLine) => void): void {
    let from = 0;
    while (from < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, from);
      const end = newline < 0 ? chunk.length : newline;
      if (newline >= 0 && this.pendingBytes === 0 && end - from <= this.maxLineBytes) {
        // the common case, a whole line inside one chunk: decode it in place, no copies
        this.emitLine(chunk.toString('utf8', from, end), end - from, onLine);
        from = newline + 1;
        continue;
      }
      this.keep(chunk.subarray(from, end));
      if (newline < 0) return;
      const total = this.pendingBytes;
      const text = Buffer.concat(this.parts).toString('utf8');
      this.parts = [];
      this.keptBytes = 0;
      this.pendingBytes = 0;
      this.emitLine(text, total, onLine);
      from = newline + 1;
    }
  }

  /** Emits a partial last line as it is (the file ended without a newline), as the line up to `nextOffset`. */
  flush(onLine: (line: SplitLine) => void): void {
    if (this.pendingBytes === 0) return;
    const total = this.pendingBytes;
    const text = Buffer.concat(this.parts).toString('utf8');
    this.reset(this.offset);
    this.emitLine(text, total, onLine, 0);
  }

  /** Offset of the next byte pushed: after the complete lines and the partial one. */
  get nextOffset(): number {
    return this.offset + this.pendingBytes;
  }

  private emitLine(text: string, bytes: number, onLine: (line: SplitLine) => void, newlineBytes = 1): void {
    const start = this.offset;
    this.offset += bytes + newlineBytes;
    const line: SplitLine = { text: text.endsWith('\r') ? text.slice(0, -1) : text, start, end: this.offset };
    if (bytes > this.maxLineBytes) line.originalBytes = bytes;
    onLine(line);
  }

  /** Forgets a partial line and restarts counting at `offset` (a new file). */
  reset(offset: number): void {
    this.parts = [];
    this.keptBytes = 0;
    this.pendingBytes = 0;
    this.offset = offset;
  }

  private keep(bytes: Buffer): void {
    this.pendingBytes += bytes.length;
    const room = this.maxLineBytes - this.keptBytes;
    if (room <= 0 || bytes.length === 0) return;
    const kept = bytes.length <= room ? bytes : bytes.subarray(0, room);
    this.parts.push(Buffer.from(kept));
    this.keptBytes += kept.length;
  }
}
