import type { EncodedRecord, PipelineEvent } from './record.js';
import { recordToJson } from './record-json.js';

const NEWLINE = 0x0a;

/**
 * A batch's records as JSON lines in one buffer, for one write: a record's ready-made JSON (see
 * `EncodedRecord`) is copied, any other record is serialised.
 */
export class JsonLines {
  private buffer: Buffer;
  private length = 0;

  constructor(initialBytes = 1 << 20) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  append(event: PipelineEvent): void {
    if (event.json) this.appendEncoded(event.json);
    else this.appendText(recordToJson(event.record));
  }

  appendEncoded(encoded: EncodedRecord): void {
    this.reserve(encoded.jsonBytes + 1);
    this.length = encoded.writeJson(this.buffer, this.length);
    this.buffer[this.length++] = NEWLINE;
  }

  /** A record whose sharedTail is swapped for `tail` (see EncodedRecord). */
  appendEncodedWithTail(encoded: Required<EncodedRecord>, tail: Buffer): void {
    this.reserve(encoded.jsonBytes - encoded.sharedTail.length + tail.length + 1);
    this.length = encoded.writeJsonWithTail(this.buffer, this.length, tail);
    this.buffer[this.length++] = NEWLINE;
  }

  /** A line already serialised (its text, without the newline). */
  appendText(line: string): void {
    // at most three bytes per UTF-16 unit: no exact measuring pass
    this.reserve(line.length * 3 + 1);
    this.length += this.buffer.write(line, this.length, 'utf8');
    this.buffer[this.length++] = NEWLINE;
  }

  get byteLength(): number {
    return this.length;
  }

  /** The lines so far: a view, valid until the next append after a reset. */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** Drops what was appended after `length` (a record that failed half-way). */
  truncate(length: number): void {
    if (length < this.length) this.length = length;
  }

  /** Starts the next batch in the same memory. */
  reset(): void {
    this.length = 0;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.length + bytes, this.buffer.length * 2));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }
}
