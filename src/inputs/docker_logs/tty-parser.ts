import { PIECE_BYTES, type MessageHandler, type MessageParser } from './log-message.js';
import { normalizeTimestamp } from '../../core/timestamp.js';

const SPACE = 0x20;
const NEWLINE = 0x0a;
const CR = 0x0d;
const MAX_TIMESTAMP = 40;

/**
 * Parses the raw stream of a TTY container: "<timestamp> <content>\r\n" repeated, no frame
 * headers, stderr merged into stdout. A message ends at "\n" or after 16 KiB of content.
 */
export class TtyParser implements MessageParser {
  private timestampBytes: number[] = [];
  private timestamp: string | undefined;
  private parts: Buffer[] = [];
  private contentBytes = 0;

  constructor(
    private readonly onMessage: MessageHandler,
    private readonly onInvalid: (reason: string) => void = () => {},
  ) {}

  get pendingBytes(): number {
    return this.timestampBytes.length + this.contentBytes;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.timestamp === undefined) {
        const byte = chunk[offset++] as number;
        if (byte !== SPACE) {
          this.timestampBytes.push(byte);
          if (this.timestampBytes.length > MAX_TIMESTAMP) this.resync('line without a timestamp prefix skipped');
          continue;
        }
        const text = Buffer.from(this.timestampBytes).toString('latin1');
        this.timestampBytes = [];
        const ts = normalizeTimestamp(text);
        if (!ts) {
          this.resync('line without a timestamp prefix skipped');
          continue;
        }
        this.timestamp = ts;
        continue;
      }
      const limit = Math.min(chunk.length, offset + (PIECE_BYTES - this.contentBytes));
      const newline = chunk.indexOf(NEWLINE, offset);
      if (newline >= 0 && newline < limit) {
        this.parts.push(chunk.subarray(offset, newline));
        offset = newline + 1;
        this.finish(true);
        continue;
      }
      this.parts.push(chunk.subarray(offset, limit));
      this.contentBytes += limit - offset;
      offset = limit;
      if (this.contentBytes >= PIECE_BYTES) this.finish(false);
    }
  }

  /** At the end of a finished container's log, an unterminated last line is complete. */
  flush(): void {
    if (this.timestamp !== undefined) this.finish(true);
  }

  private finish(terminated: boolean): void {
    let content = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    if (terminated && content.length > 0 && content[content.length - 1] === CR) content = content.subarray(0, content.length - 1);
    this.onMessage({ stream: 'tty', timestamp: this.timestamp as string, content, terminated });
    this.parts = [];
    this.contentBytes = 0;
    this.timestamp = undefined;
  }

  private resync(reason: string): void {
    this.onInvalid(reason);
    this.timestampBytes = [];
  }
}
