import { Ack } from '../../core/ack.js';
import { copyRange, copySmall, utf8Text, writeAscii } from '../../core/buffer-text.js';
import type { SourcePosition } from '../../core/source-position.js';
import type { ContainerMeta, EncodedRecord, KubernetesMeta, LogRecord, PipelineEvent, SharedFields, Stream } from '../../core/record.js';
import type { LogFileRef } from './json-file/read-position.js';
import type { AssembledLine } from './line-assembler.js';

/** What a line's settlement reports back to: its stream's queue of records in emission order. */
export interface SettleQueueOwner {
  readonly containerId: string;
  readonly stream: Stream;
  /** The input and this stream, as SourcePosition.source. */
  readonly positionSource: string;
  advance(): void;
}

/** The fields a stream's records share while the container's metadata stays the same. */
export interface RecordShape {
  readonly stream: Stream;
  readonly tag: string;
  readonly container: ContainerMeta;
  readonly host: { readonly name: string };
  /** The container's pod, on Kubernetes. */
  readonly kubernetes?: KubernetesMeta | undefined;
  /** stream, source, tag, container, host and kubernetes as one frozen object, shared by the shape's records. */
  readonly fields: SharedFields;
}

const TIMESTAMP_KEY = Buffer.from('{"@timestamp":"');
const MESSAGE_KEY = Buffer.from('","message":"');

/**
 * One docker_logs record in flight: the pipeline event, its acknowledgement token and its place in
 * the log (stream position; in file mode also the file and the byte where its first piece starts),
 * all in one object, because one is made per line and the allocations show in throughput.
 *
 * The record itself is built when something first reads it. On the common path (no transform, an
 * output that copies the ready-made JSON) nothing does, and neither the record nor its message
 * string is ever made: that was a sixth of the main thread's time reading a json-file log. It is
 * built from what the line had when it was read (metadata included), so it is the same record
 * whenever it is built.
 */
export class LineEvent extends Ack implements PipelineEvent, EncodedRecord {
  /** Itself, when the record's JSON can be copied together from the line's bytes. */
  json: EncodedRecord | undefined;
  readonly jsonBytes: number;
  private built: LogRecord | undefined;
  private readonly lineTimestamp: string;
  private readonly text: string | undefined;
  /** The message's JSON string's bytes (without quotes) are source[start, end), when the line had them; what its text is made from while `text` is undefined. */
  private readonly messageSource: Buffer | undefined;
  private readonly messageStart: number;
  private readonly messageEnd: number;
  /** Those bytes hold escapes (\" and \\): the text is the JSON string's value, not the bytes as they are. */
  private readonly messageEscaped: boolean;
  private readonly originalBytes: number | undefined;

  constructor(
    line: AssembledLine,
    private readonly shape: RecordShape,
    readonly bytes: number,
    readonly owner: SettleQueueOwner,
    /** Stream position after this line: its timestamp and how many lines before it carried the same one. */
    readonly ts: string,
    readonly count: number,
    /** File mode: the json-file that holds the line's first piece, and where that piece starts. */
    readonly file: LogFileRef | undefined,
    readonly startOffset: number,
    /** The JSON after the message (`","stream":…}`), when the record's JSON may be copied together. */
    private readonly jsonTail?: Buffer,
  ) {
    super();
    this.lineTimestamp = line.timestamp;
    this.text = line.text;
    this.messageSource = line.source;
    this.messageStart = line.start ?? 0;
    this.messageEnd = line.end ?? 0;
    this.messageEscaped = line.escaped === true;
    this.originalBytes = line.originalBytes;
    if (line.source && jsonTail && line.timestamp.length === 30) {
      this.json = this;
      this.jsonBytes = TIMESTAMP_KEY.length + 30 + MESSAGE_KEY.length + (this.messageEnd - this.messageStart) + jsonTail.length;
    } else {
      this.json = undefined;
      this.jsonBytes = 0;
    }
  }

  get record(): LogRecord {
    return (this.built ??= this.build());
  }

  /** A transform may put another record in its place. */
  set record(record: LogRecord) {
    this.built = record;
  }

  get sharedFields(): SharedFields | undefined {
    return this.built ? undefined : this.shape.fields;
  }

  get tag(): string {
    return this.built ? this.built.tag : this.shape.tag;
  }

  get timestamp(): string {
    return this.built ? this.built['@timestamp'] : this.lineTimestamp;
  }

  /** `{"@timestamp":"…","message":"` + the message's bytes + the tail: what recordToJson gives, without building strings. */
  writeJson(target: Buffer, offset: number): number {
    return this.writeJsonWithTail(target, offset, this.jsonTail as Buffer);
  }

  get sharedTail(): Buffer | undefined {
    return this.jsonTail;
  }

  writeJsonWithTail(target: Buffer, offset: number, tail: Buffer): number {
    let at = copySmall(target, offset, TIMESTAMP_KEY);
    at = writeAscii(target, at, this.lineTimestamp);
    at = copySmall(target, at, MESSAGE_KEY);
    at = copyRange(target, at, this.messageSource as Buffer, this.messageStart, this.messageEnd);
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

  /** Built only when an output asks (exactly-once delivery). */
  get position(): SourcePosition {
    return { source: this.owner.positionSource, at: this.ts, n: this.count };
  }

  protected override whenSettled(): void {
    this.owner.advance();
  }

  private messageText(): string {
    const text = utf8Text(this.messageSource as Buffer, this.messageStart, this.messageEnd);
    return this.messageEscaped ? (JSON.parse(`"${text}"`) as string) : text;
  }

  private build(): LogRecord {
    const shape = this.shape;
    // the keys in the order records always had: JSON outputs write them in this order
    const record: LogRecord = {
      '@timestamp': this.lineTimestamp,
      message: this.text ?? this.messageText(),
      stream: shape.stream,
      source: 'main',
      tag: shape.tag,
      container: shape.container,
      host: shape.host,
    };
    if (shape.kubernetes) record.kubernetes = shape.kubernetes;
    if (this.originalBytes !== undefined) record.log = { truncated: true, original_bytes: this.originalBytes };
    return record;
  }
}
