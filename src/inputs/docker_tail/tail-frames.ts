const NEWLINE = 0x0a;
/** A header line: NUL, then this (the NUL is tested apart). */
const HEADER = /^logship-tail (\d+) (\d+) (\d+) ([0-9a-f]{32}|-)$/;
const NUL = '\u0000';
/** "NUL logship-tail <inode> <offset> <length> <fingerprint>": numbers of at most 20 digits each, 32 hex digits. */
const MAX_HEADER_BYTES = 128;
/** Before the first header only the runtime or the wrapper's tool check speak: short lines. */
const MAX_PREAMBLE_LINE_BYTES = 4096;

export interface TailFrameHandler {
  /** A line printed before the wrapper's first header (the runtime's error, or "logship-tail missing dd"). */
  preamble(line: string): void;
  /** The next `length` content bytes are the file `inode`'s, from byte `offset`; `fingerprint` is the MD5 of its first 64 bytes, or "-". */
  header(inode: string, offset: number, length: number, fingerprint: string): void;
  /** File bytes, in order; returns false when the pipeline asked to pause. */
  content(bytes: Buffer): boolean;
  /** Output that breaks the framing: the stream cannot be trusted any more. */
  invalid(reason: string): void;
}

/**
 * Reads the tail wrapper's stdout (`tail-script.ts`): lines until the first header, then frames —
 * a header line and exactly the number of file bytes it announces. Headers are read only where a
 * frame ends; file bytes are never searched for them, so no file content can pass for one.
 */
export class TailFrameReader {
  private state: 'preamble' | 'header' | 'content' | 'broken' = 'preamble';
  private line: Buffer[] = [];
  private lineBytes = 0;
  private remaining = 0;

  constructor(private readonly handler: TailFrameHandler) {}

  /** Returns false when the handler asked to pause. */
  push(chunk: Buffer): boolean {
    let room = true;
    let from = 0;
    while (from < chunk.length && this.state !== 'broken') {
      if (this.state === 'content') {
        const take = Math.min(this.remaining, chunk.length - from);
        if (!this.handler.content(chunk.subarray(from, from + take))) room = false;
        from += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'header';
        continue;
      }
      const newline = chunk.indexOf(NEWLINE, from);
      const end = newline < 0 ? chunk.length : newline;
      const limit = this.state === 'header' ? MAX_HEADER_BYTES : MAX_PREAMBLE_LINE_BYTES;
      if (this.state === 'header' && this.lineBytes + end - from > limit) {
        this.fail(`a frame header longer than ${limit} bytes`);
        return room;
      }
      // a runtime message longer than the limit is kept only up to it: its start says enough
      const kept = Math.min(end - from, Math.max(0, limit - this.lineBytes));
      if (kept > 0) this.line.push(Buffer.from(chunk.subarray(from, from + kept)));
      this.lineBytes += end - from;
      if (newline < 0) return room;
      from = newline + 1;
      this.endLine();
    }
    return room;
  }

  private endLine(): void {
    const text = Buffer.concat(this.line).toString('latin1');
    this.line = [];
    this.lineBytes = 0;
    const m = text.startsWith(NUL) ? HEADER.exec(text.slice(1)) : null;
    if (!m) {
      if (this.state === 'header') this.fail(`expected a frame header, got ${JSON.stringify(text.slice(0, 40))}`);
      else this.handler.preamble(Buffer.from(text, 'latin1').toString('utf8'));
      return;
    }
    const offset = Number(m[2]);
    const length = Number(m[3]);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length)) {
      this.fail(`a frame header out of range: ${JSON.stringify(text.slice(1))}`);
      return;
    }
    this.handler.header(m[1] as string, offset, length, m[4] as string);
    this.remaining = length;
    this.state = length > 0 ? 'content' : 'header';
  }

  private fail(reason: string): void {
    this.state = 'broken';
    this.line = [];
    this.handler.invalid(reason);
  }
}
