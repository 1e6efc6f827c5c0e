import { FrameReader, type FrameStream } from '../../services/docker-frames.js';
import { endsLine, isJsonSafeAscii, type MessageHandler, type MessageParser } from './log-message.js';
import { splitTimestamp } from './timestamp-prefix.js';

const NEWLINE = 0x0a;

/** Log messages of a non-TTY container: one frame per message, each with a timestamp prefix. */
export class FrameDemuxer implements MessageParser {
  private readonly frames: FrameReader;

  constructor(
    private readonly onMessage: MessageHandler,
    private readonly onInvalid: (reason: string) => void = () => {},
  ) {
    this.frames = new FrameReader((stream, payload) => this.emit(stream, payload), onInvalid);
  }

  get pendingBytes(): number {
    return this.frames.pendingBytes;
  }

  /** A frame cut off by the end of the stream is torn; it is read again on the next open. */
  flush(): void {
    this.frames.reset();
  }

  push(chunk: Buffer): void {
    this.frames.push(chunk);
  }

  private emit(stream: FrameStream, payload: Buffer): void {
    const split = splitTimestamp(payload);
    if (!split) {
      this.onInvalid('frame without a timestamp prefix skipped');
      return;
    }
    const { content } = split;
    const newline = content.length > 0 && content[content.length - 1] === NEWLINE;
    const text = newline ? content.subarray(0, content.length - 1) : content;
    const whole = endsLine(newline, text.length);
    // only a whole message can become a record as it is: a 16 KiB piece is not worth scanning
    this.onMessage({ stream, timestamp: split.timestamp, content: text, terminated: whole, jsonSafe: whole && isJsonSafeAscii(text) });
  }
}
