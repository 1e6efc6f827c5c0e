import { Ack } from '../../core/ack.js';
import { copySmall, writeAscii } from '../../core/buffer-text.js';
import type { EncodedRecord, LogRecord, PipelineEvent, Stream } from '../../core/record.js';
import type { LogFileRef } from './json-file/read-position.js';

/** What a line's settlement reports back to: its stream's queue of records in emission order. */
export interface SettleQueueOwner {
  readonly containerId: string;
  readonly stream: Stream;
  advance(): void;
}

const TIMESTAMP_KEY = Buffer.from('{"@timestamp":"');
const MESSAGE_KEY = Buffer.from('","message":"');

/**
 * One docker_logs record in flight: the pipeline event, its acknowledgement token and its place in
 * the log (stream position; in file mode also the file and the byte where its first piece starts),
 * all in one object, because one is made per line and the allocations show in throughput.
 */
export class LineEvent extends Ack implements PipelineEvent, EncodedRecord {
  /** Itself, when the record's JSON can be copied together from the json-file's bytes. */
  json: EncodedRecord | undefined;
  readonly jsonBytes: number;

  constructor(
    public record: LogRecord,
    readonly bytes: number,
    readonly owner: SettleQueueOwner,
    /** Stream position after this line: its timestamp and how many lines before it carried the same one. */
    readonly ts: string,
    readonly count: number,
    /** File mode: the json-file that holds the line's first piece, and where that piece starts. */
    readonly file: LogFileRef | undefined,
    readonly startOffset: number,
    /** The message's bytes when they are its JSON string's too, and the JSON after the message (`","stream":…}`). */
    private readonly messageBytes?: Buffer,
    private readonly jsonTail?: Buffer,
  ) {
    super();
    if (messageBytes && jsonTail) {
      this.json = this;
      this.jsonBytes = TIMESTAMP_KEY.length + record['@timestamp'].length + MESSAGE_KEY.length + messageBytes.length + jsonTail.length;
    } else {
      this.json = undefined;
      this.jsonBytes = 0;
    }
  }

  /** `{"@timestamp":"…","message":"` + the message's bytes + the tail: what recordToJson gives, without building strings. */
  writeJson(target: Buffer, offset: number): number {
    let at = copySmall(target, offset, TIMESTAMP_KEY);
    at = writeAscii(target, at, this.record['@timestamp']);
    at = copySmall(target, at, MESSAGE_KEY);
    // TypedArray.set: a native copy without Buffer.copy's argument checks
    const message = this.messageBytes as Buffer;
    target.set(message, at);
    at += message.length;
    const tail = this.jsonTail as Buffer;
    target.set(tail, at);
    return at + tail.length;
  }

  get ack(): Ack {
    return this;
  }

  /** Built only when an output asks (idempotent IDs): most never do. */
  get origin(): string {
    return `${this.owner.containerId}/${this.owner.stream}/${this.ts}/${this.count}`;
  }

  protected override whenSettled(): void {
    this.owner.advance();
  }
}
