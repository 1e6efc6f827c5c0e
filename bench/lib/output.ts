import { closeSync, createReadStream, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Counts the lines of a growing file, reading only what was appended since the last count. */
export class LineCounter {
  private readonly buffer = Buffer.alloc(4 << 20);
  private fd: number | undefined;
  private offset = 0;
  lines = 0;

  /** With `keepOpen` the file stays open between counts (a benchmark polling every 10 to 100 ms); close() then. */
  constructor(
    readonly path: string,
    private readonly keepOpen = false,
  ) {}

  count(): number {
    if (this.fd === undefined) {
      if (!existsSync(this.path)) return this.lines;
      this.fd = openSync(this.path, 'r');
    }
    try {
      const size = fstatSync(this.fd).size;
      while (this.offset < size) {
        const n = readSync(this.fd, this.buffer, 0, Math.min(this.buffer.length, size - this.offset), this.offset);
        if (n <= 0) break;
        this.offset += n;
        const chunk = this.buffer.subarray(0, n);
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) this.lines += 1;
      }
    } finally {
      if (!this.keepOpen) this.close();
    }
    return this.lines;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Waits until the file holds at least `count` complete lines (or the timeout); returns how many it holds. */
export async function waitForLineCount(path: string, count: number, timeoutMs = 60_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  const counter = new LineCounter(path);
  for (;;) {
    const lines = counter.count();
    if (lines >= count || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Lines of a file, or none when it does not exist. */
export async function* fileLines(path: string): AsyncGenerator<string> {
  if (!existsSync(path)) return;
  yield* createInterface({ input: createReadStream(path), crlfDelay: Infinity });
}

// ---------------------------------------------------------------------------------------------
// the numbered lines the container benchmarks print, and their check

/** Bytes of one numbered line, newline included. */
export const SEQUENCE_LINE_BYTES = 90;

/** An awk program printing `seq=NNNNNNN xxx…x` lines of exactly SEQUENCE_LINE_BYTES bytes, as fast as it can. */
export function sequenceScript(lines: number): string {
  const pad = SEQUENCE_LINE_BYTES - 1 - 'seq=0000000 '.length;
  return `awk 'BEGIN{p=sprintf("%${pad}s","");gsub(/ /,"x",p);for(i=1;i<=${lines};i++)printf "seq=%07d %s\\n",i,p}'`;
}

export interface SequenceCheck {
  records: number;
  missing: number;
  duplicates: number;
  /** Lines that are not a record of one of the numbered lines. */
  foreign: number;
  /** Records whose fields `fieldsOk` refused. */
  wrongFields: number;
  outOfOrder: number;
}

/**
 * Checks that each of `seq=1` … `seq=lines` is in the records (JSON lines) exactly once, and
 * that each has the fields it should (`fieldsOk`).
 */
export async function checkSequence(records: AsyncIterable<string>, lines: number, fieldsOk: (record: Record<string, unknown>) => boolean = () => true): Promise<SequenceCheck> {
  const seen = new Uint8Array(lines + 1);
  const result: SequenceCheck = { records: 0, missing: 0, duplicates: 0, foreign: 0, wrongFields: 0, outOfOrder: 0 };
  let previous = 0;
  for await (const line of records) {
    if (!line) continue;
    result.records += 1;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      result.foreign += 1;
      continue;
    }
    const m = /^seq=(\d{7}) x+$/.exec(typeof record.message === 'string' ? record.message : '');
    const seq = m ? Number(m[1]) : 0;
    if (seq < 1 || seq > lines) {
      result.foreign += 1;
      continue;
    }
    if (!fieldsOk(record)) result.wrongFields += 1;
    if (seq < previous) result.outOfOrder += 1;
    previous = seq;
    if ((seen[seq] as number) < 255) seen[seq] = (seen[seq] as number) + 1;
  }
  for (let seq = 1; seq <= lines; seq++) {
    const n = seen[seq] as number;
    if (n === 0) result.missing += 1;
    else if (n > 1) result.duplicates += n - 1;
  }
  return result;
}
