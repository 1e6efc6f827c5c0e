import { PIECE_BYTES, type MessageHandler, type MessageParser } from './log-message.js';
import { normalizeTimestamp } from '../../core/timestamp.js';

const SPACE = 0x20;
const NEWLINE = 0x0a;
const CR = 0x0d;
const CR_BYTE = Buffer.from([CR]);
const MAX_TIMESTAMP = 40;
/**
 * The daemon cuts a line into pieces of 16 KiB of *raw* bytes; json-file stores each invalid UTF-8
 * byte as U+FFFD (3 bytes) and the API sends that text back, so one piece (or a whole line) is
 * sent as up to three times as many bytes.
 */
const MAX_PIECE_SENT = 3 * PIECE_BYTES;
/**
 * A timestamp this far past our clock is not the daemon's (the daemon stamps a line when it reads
 * it). A day, not a minute: a daemon on another host (`docker_host`) may run ahead of our clock,
 * and its lines must not be skipped for that.
 */
const MAX_FUTURE_MS = 24 * 3_600_000;

type State = 'timestamp' | 'content' | 'skip';

/**
 * Parses the raw stream of a TTY container: entries "<timestamp> <content>" with no frame header,
 * stderr merged into stdout, no lengths. Container bytes are never taken as a timestamp:
 *
 * - A newline only ever ends an entry (the daemon splits lines at newlines), so the bytes after one
 *   are the daemon's timestamp of the next entry. Only there, and at the start of the stream, is a
 *   timestamp parsed; an entry start that is not one, or one more than a day past our clock, is
 *   a desync and is skipped up to the next newline.
 * - An entry without a newline is a piece of a longer line. Its length as sent is not known (16 KiB
 *   raw, re-encoded), but every piece of a line carries the line's timestamp, to the nanosecond, so
 *   a piece ends where, at 16 KiB or more into it, the exact bytes "<its own timestamp> " follow.
 *   A line cannot forge that: it cannot know the time the daemon will stamp it with, and if it
 *   guessed, the value would be the true one. Past 48 KiB (more than json-file can send) a piece is
 *   cut where it stands, its bytes going on as a piece with the same timestamp.
 */
export class TtyParser implements MessageParser {
  private state: State = 'timestamp';
  /** Bytes of the previous chunk not consumed yet: an incomplete timestamp, or content that may start the next piece's prefix. */
  private carry: Buffer | undefined;
  private timestamp: string | undefined;
  /** The timestamp as sent: a next piece of the same line starts with these bytes and a space. */
  private timestampText = '';
  /** "<timestampText> ", made when a line reaches 16 KiB. */
  private prefix: Buffer | undefined;
  private prefixText = '';
  private parts: Buffer[] = [];
  private contentBytes = 0;
  /** Content offset from which the next piece of this line may start. */
  private pieceFrom = PIECE_BYTES;
  /** The last piece ended with "\r", not passed on yet. */
  private heldCr = false;
  /** Timestamps above this are refused; moved forward (from the clock) only when one exceeds it. */
  private futureLimit = '';

  constructor(
    private readonly onMessage: MessageHandler,
    private readonly onInvalid: (reason: string) => void = () => {},
  ) {}

  push(chunk: Buffer): void {
    let data = chunk;
    if (this.carry !== undefined) {
      data = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    let offset = 0;
    const length = data.length;
    while (offset < length) {
      if (this.state === 'content') {
        offset = this.content(data, offset);
      } else if (this.state === 'timestamp') {
        offset = this.entryStart(data, offset);
      } else {
        const newline = data.indexOf(NEWLINE, offset);
        if (newline < 0) return;
        offset = newline + 1;
        this.state = 'timestamp';
      }
    }
  }

  /** At the end of a finished container's log, an unterminated last line is complete. */
  flush(): void {
    if (this.state === 'content') {
      if (this.carry) this.addContent(this.carry);
      this.finish(true);
    }
    this.carry = undefined;
    this.state = 'timestamp';
  }

  /** Reads "<timestamp> " where an entry starts; returns where its content starts. */
  private entryStart(data: Buffer, offset: number): number {
    // Docker's own form has 30 bytes: tried first; others are accepted up to 40
    let space = offset + 30;
    let text = data[space] === SPACE ? data.toString('latin1', offset, space) : '';
    let ts = text ? normalizeTimestamp(text) : undefined;
    if (ts === undefined) {
      const end = Math.min(data.length, offset + MAX_TIMESTAMP + 1);
      space = -1;
      for (let i = offset; i < end; i += 1) {
        if (data[i] === SPACE) {
          space = i;
          break;
        }
      }
      if (space < 0) {
        if (end - offset <= MAX_TIMESTAMP) {
          // cut by the end of the chunk: wait for the rest
          this.carry = data.subarray(offset);
          return data.length;
        }
        return this.desync('line without a timestamp prefix skipped', offset);
      }
      text = data.toString('latin1', offset, space);
      ts = normalizeTimestamp(text);
      if (ts === undefined) return this.desync('line without a timestamp prefix skipped', offset);
    }
    if (ts > this.futureLimit) {
      this.futureLimit = new Date(Date.now() + MAX_FUTURE_MS).toISOString();
      if (ts > this.futureLimit) return this.desync(`line with a timestamp in the future (${ts}) skipped`, offset);
    }
    this.timestamp = ts;
    this.timestampText = text;
    this.pieceFrom = PIECE_BYTES;
    this.state = 'content';
    return space + 1;
  }

  /** Reads content up to the end of the entry (or of the chunk); returns where it stopped. */
  private content(data: Buffer, offset: number): number {
    const length = data.length;
    const newline = data.indexOf(NEWLINE, offset);
    const stop = newline < 0 ? length : newline;
    // where in `data` a next piece of this line could start, at the earliest
    const from = Math.max(offset, offset + this.pieceFrom - this.contentBytes);
    if (from >= stop) {
      // the common case: a line shorter than 16 KiB, or a chunk ending before 16 KiB of it
      if (newline < 0) {
        this.addContent(data.subarray(offset));
        return length;
      }
      this.addContent(data.subarray(offset, newline));
      this.finish(true);
      return newline + 1;
    }
    if (this.prefix === undefined || this.prefixText !== this.timestampText) {
      this.prefix = Buffer.from(`${this.timestampText} `, 'latin1');
      this.prefixText = this.timestampText;
    }
    const prefix = this.prefix;
    const limit = offset + MAX_PIECE_SENT - this.contentBytes;
    const at = data.subarray(0, stop).indexOf(prefix, from);
    if (at >= 0 && at <= limit) {
      // the next piece of this line: same timestamp, so nothing to parse
      this.addContent(data.subarray(offset, at));
      this.finish(false);
      this.pieceFrom = PIECE_BYTES;
      this.state = 'content';
      return at + prefix.length;
    }
    if (newline >= 0 && newline <= limit) {
      this.addContent(data.subarray(offset, newline));
      this.finish(true);
      return newline + 1;
    }
    if (limit < length) {
      // longer than json-file can send: not json-file's pieces; cut here, the line goes on
      this.addContent(data.subarray(offset, limit));
      this.finish(false);
      this.pieceFrom = 0;
      this.state = 'content';
      return limit;
    }
    // the chunk ends inside the entry: its last bytes may start the next piece's prefix
    const keep = Math.max(from, length - (prefix.length - 1));
    this.addContent(data.subarray(offset, keep));
    if (keep < length) this.carry = data.subarray(keep);
    return length;
  }

  private addContent(bytes: Buffer): void {
    this.parts.push(bytes);
    this.contentBytes += bytes.length;
  }

  private finish(terminated: boolean): void {
    let content = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    if (this.heldCr) {
      content = Buffer.concat([CR_BYTE, content]);
      this.heldCr = false;
    }
    if (content.length > 0 && content[content.length - 1] === CR) {
      // a piece's last "\r" may be the line's end, its "\n" in the next piece: held until that shows
      if (!terminated) this.heldCr = true;
      content = content.subarray(0, content.length - 1);
    }
    this.onMessage({ stream: 'tty', timestamp: this.timestamp as string, content, terminated });
    this.parts = [];
    this.contentBytes = 0;
    this.state = 'timestamp';
    if (terminated) this.timestamp = undefined;
  }

  /** Out of step with the stream: skip to the next newline, where the next entry starts. */
  private desync(reason: string, offset: number): number {
    this.onInvalid(reason);
    this.state = 'skip';
    return offset;
  }
}
