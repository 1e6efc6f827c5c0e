import { utf8Text } from '../../core/buffer-text.js';
import type { LogMessage } from './log-message.js';

export interface AssembledLine {
  timestamp: string;
  /** The text; not decoded yet when the line has its JSON string's bytes (source). */
  text?: string;
  /** The text's length in UTF-8 bytes. */
  bytes: number;
  /** Set when the line was longer than the limit and cut. */
  originalBytes?: number;
  /**
   * The text's JSON string (without quotes) as JSON.stringify writes it, when the input had it:
   * source[start, end). Its text is not decoded until a record is built: the bytes themselves
   * (escaped false: a text without anything to escape), or the JSON string's value (escaped true:
   * json-file's text with escaped quotes, see LogMessage.json).
   */
  source?: Buffer;
  start?: number;
  end?: number;
  escaped?: boolean;
}

/**
 * Joins the pieces of one stream back into the original line. Pieces of one line share a
 * timestamp and arrive in order within their stream (other streams may interleave); each is 16 KiB
 * of raw bytes, more as sent when Docker put U+FFFD for invalid bytes.
 */
export class LineAssembler {
  private parts: Buffer[] = [];
  private keptBytes = 0;
  private totalBytes = 0;
  private firstTimestamp: string | undefined;

  constructor(private readonly maxLineBytes: number) {}

  /** Adds a message; returns the line when it is complete. */
  push(message: LogMessage): AssembledLine | undefined {
    if (this.firstTimestamp === undefined && message.terminated) {
      // the common case: a whole line in one message
      return this.single(message);
    }
    this.firstTimestamp ??= message.timestamp;
    this.totalBytes += message.content.length;
    const room = this.maxLineBytes - this.keptBytes;
    if (room > 0) {
      const kept = message.content.length <= room ? message.content : message.content.subarray(0, room);
      // copy: the chunk behind a subarray can be large and is otherwise retained until the line ends
      this.parts.push(Buffer.from(kept));
      this.keptBytes += kept.length;
    }
    if (!message.terminated) return undefined;
    return this.finish();
  }

  /**
   * Ends the line being assembled with the last piece taken; undefined when there is none. For a
   * line whose last piece had no newline: the container's output ended there, or the stream's
   * next message has another timestamp.
   */
  finish(): AssembledLine | undefined {
    if (this.firstTimestamp === undefined) return undefined;
    const line: AssembledLine = { timestamp: this.firstTimestamp, text: Buffer.concat(this.parts).toString('utf8'), bytes: this.keptBytes };
    if (this.totalBytes > this.maxLineBytes) line.originalBytes = this.totalBytes;
    this.reset();
    return line;
  }

  /** Timestamp of the first piece of a line still being assembled. */
  get pendingSince(): string | undefined {
    return this.firstTimestamp;
  }

  reset(): void {
    this.parts = [];
    this.keptBytes = 0;
    this.totalBytes = 0;
    this.firstTimestamp = undefined;
  }

  private single(message: LogMessage): AssembledLine {
    const bytes = message.contentBytes ?? message.content.length;
    if (bytes <= this.maxLineBytes) {
      // a string per line is decoding and garbage (a sixth of the main thread's time reading a
      // json-file): text that is its own JSON string, or that the input holds as one, stays bytes
      // until a record is built, if ever
      const { source } = message;
      if (source !== undefined) return { timestamp: message.timestamp, bytes, source, start: message.start, end: message.end, escaped: !message.jsonSafe };
      if (message.jsonSafe) return { timestamp: message.timestamp, bytes, source: message.content, start: 0, end: bytes, escaped: false };
      return { timestamp: message.timestamp, text: utf8Text(message.content, 0, bytes), bytes };
    }
    return { timestamp: message.timestamp, text: message.content.subarray(0, this.maxLineBytes).toString('utf8'), bytes: this.maxLineBytes, originalBytes: bytes };
  }
}
