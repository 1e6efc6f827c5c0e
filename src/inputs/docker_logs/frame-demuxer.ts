import type { Stream } from '../../core/record.js';
import { PIECE_BYTES, type MessageHandler, type MessageParser } from './log-message.js';
import { splitTimestamp } from './timestamp-prefix.js';

const HEADER_BYTES = 8;
const NEWLINE = 0x0a;

/**
 * Demultiplexes the non-TTY log stream: frames of `[type, 0, 0, 0, length u32 BE] payload`.
 * Iterative and copy-light, unlike dockerode's demuxStream (which recurses per frame).
 */
export class FrameDemuxer implements MessageParser {
  private header = Buffer.alloc(HEADER_BYTES);
  private headerFilled = 0;
  private stream: Stream | undefined;
  private payloadLeft = 0;
  private parts: Buffer[] = [];
  private partsBytes = 0;

  constructor(
    private readonly onMessage: MessageHandler,
    private readonly onInvalid: (reason: string) => void = () => {},
  ) {}

  get pendingBytes(): number {
    return this.headerFilled + this.partsBytes;
  }

  flush(): void {
    // a frame cut off by the end of the stream is torn; it is read again on the next open
    this.headerFilled = 0;
    this.stream = undefined;
    this.payloadLeft = 0;
    this.parts = [];
    this.partsBytes = 0;
  }

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.stream === undefined) {
        const take = Math.min(HEADER_BYTES - this.headerFilled, chunk.length - offset);
        chunk.copy(this.header, this.headerFilled, offset, offset + take);
        this.headerFilled += take;
        offset += take;
        if (this.headerFilled < HEADER_BYTES) return;
        this.headerFilled = 0;
        const type = this.header[0];
        this.stream = type === 2 ? 'stderr' : 'stdout';
        if (type !== 1 && type !== 2) this.onInvalid(`frame of unexpected type ${String(type)} read as stdout`);
        this.payloadLeft = this.header.readUInt32BE(4);
        if (this.payloadLeft === 0) {
          this.stream = undefined;
          continue;
        }
      }
      const take = Math.min(this.payloadLeft, chunk.length - offset);
      const piece = chunk.subarray(offset, offset + take);
      offset += take;
      this.payloadLeft -= take;
      if (this.payloadLeft > 0) {
        this.parts.push(piece);
        this.partsBytes += take;
        return;
      }
      const payload = this.parts.length === 0 ? piece : Buffer.concat([...this.parts, piece]);
      this.parts = [];
      this.partsBytes = 0;
      const stream = this.stream;
      this.stream = undefined;
      this.emit(stream, payload);
    }
  }

  private emit(stream: Stream, payload: Buffer): void {
    const split = splitTimestamp(payload);
    if (!split) {
      this.onInvalid('frame without a timestamp prefix skipped');
      return;
    }
    const { content } = split;
    const terminated = content.length > 0 && content[content.length - 1] === NEWLINE;
    this.onMessage({
      stream,
      timestamp: split.timestamp,
      content: terminated ? content.subarray(0, content.length - 1) : content,
      // an unterminated message shorter than a piece is a complete last line (container exited)
      terminated: terminated || content.length !== PIECE_BYTES,
    });
  }
}
