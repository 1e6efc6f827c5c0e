import { Ack } from '../../core/ack.js';
import type { LogRecord, PipelineEvent, Stream } from '../../core/record.js';
import type { LogFileRef } from './json-file/read-position.js';

/** What a line's settlement reports back to: its stream's queue of records in emission order. */
export interface SettleQueueOwner {
  readonly containerId: string;
  readonly stream: Stream;
  advance(): void;
}

/**
 * One docker_logs record in flight: the pipeline event, its acknowledgement token and its place in
 * the log (stream position; in file mode also the file and the byte where its first piece starts),
 * all in one object, because one is made per line and the allocations show in throughput.
 */
export class LineEvent extends Ack implements PipelineEvent {
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
  ) {
    super();
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
