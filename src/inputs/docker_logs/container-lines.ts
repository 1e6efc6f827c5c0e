import { Ack } from '../../core/ack.js';
import type { ContainerMeta, LogRecord, Stream } from '../../core/record.js';
import { minusSeconds } from '../../core/timestamp.js';
import { Watermark } from '../../core/watermark.js';
import { earliest, type ContainerCheckpoint, type FilePosition } from './checkpoint.js';
import { readsBefore, type ReadPosition } from './json-file/read-position.js';
import type { FollowerContext } from './follower-context.js';
import { LineAssembler } from './line-assembler.js';
import type { LogMessage } from './log-message.js';
import { StreamCursor, type StreamPosition } from './stream-cursor.js';

interface StreamState {
  cursor: StreamCursor;
  settled: Watermark<StreamPosition>;
  assembler: LineAssembler;
  /** Cursor position before the first piece of the line being assembled. */
  beforePieces: StreamPosition | undefined;
  /** File mode: where the first piece of that line starts. */
  piecesFrom: ReadPosition | undefined;
}

/**
 * One container's messages turned into records, whichever reader (the logs API or the json-file)
 * delivers them: per stream the cursor that drops what was read before, the assembler that joins
 * 16 KiB pieces, and the watermark of settled positions that becomes the checkpoint. Both readers
 * count the same messages with the same timestamps, so a checkpoint written in one mode resumes
 * at the same line in the other.
 */
export class ContainerLines {
  private readonly streams = new Map<Stream, StreamState>();
  /** Newest message timestamp read in this run. */
  newestRead: string | undefined;
  /** Set when the sink asked the source to pause. */
  paused = false;
  private meta: ContainerMeta | undefined;
  private tag = '';
  /** File mode: file positions of records in emission order; the settled one is where to reopen. */
  private fileMark: Watermark<ReadPosition> | undefined;

  constructor(
    private readonly id: string,
    private readonly ctx: FollowerContext,
    private readonly restored: ContainerCheckpoint | undefined,
  ) {}

  describe(meta: ContainerMeta, tag: string): void {
    this.meta = meta;
    this.tag = tag;
  }

  get name(): string | undefined {
    return this.meta?.name;
  }

  /** File mode: start tracking file positions (from a restored one). */
  trackFile(initial: FilePosition | undefined): void {
    this.fileMark ??= new Watermark<ReadPosition>(initial && { ...initial, order: -1, entryBytes: 0 });
  }

  /**
   * Takes one message. `at` (file mode) is where its json-file entry ends; a record's file position
   * is the earliest of that and the start of any line still being assembled, so reopening there
   * never skips a piece.
   */
  push(message: LogMessage, at?: ReadPosition): void {
    if (this.newestRead === undefined || message.timestamp > this.newestRead) this.newestRead = message.timestamp;
    const s = this.streamState(message.stream);
    const before = s.cursor.position;
    const position = s.cursor.next(message.timestamp);
    if (!position) {
      this.ctx.counters.repeatedSkipped.inc();
      return;
    }
    if (s.assembler.pendingSince === undefined && !message.terminated) {
      s.beforePieces = before;
      s.piecesFrom = at && { ...at, offset: at.offset - at.entryBytes };
    }
    const line = s.assembler.push(message);
    if (!line) return;
    s.piecesFrom = undefined;
    const record: LogRecord = {
      '@timestamp': line.timestamp,
      message: line.text,
      stream: message.stream,
      source: 'main',
      tag: this.tag,
      container: this.meta as ContainerMeta,
      host: this.ctx.host,
    };
    if (line.originalBytes !== undefined) {
      record.log = { truncated: true, original_bytes: line.originalBytes };
      this.ctx.counters.truncated.inc();
    }
    if (this.ctx.tag) record.tag = this.ctx.tag(record);
    const seq = s.settled.add(position);
    const fileMark = this.fileMark;
    let ack: Ack;
    if (fileMark && at) {
      const fileSeq = fileMark.add(this.resumePoint(at));
      ack = new Ack(() => {
        s.settled.settle(seq);
        fileMark.settle(fileSeq);
      });
    } else {
      ack = new Ack(() => s.settled.settle(seq));
    }
    const bytes = line.text.length + 256;
    this.ctx.counters.records.inc();
    this.ctx.counters.bytes.inc(line.text.length);
    const origin = `${this.id}/${message.stream}/${position.ts}/${position.count}`;
    if (!this.ctx.sink.offer({ record, ack, bytes, origin })) this.paused = true;
  }

  /** Records handed on and not settled yet. */
  get pendingRecords(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.settled.pendingCount;
    return n;
  }

  /**
   * Earliest timestamp not yet read completely: a second before the newest read (stdout and
   * stderr interleave out of order) or the first piece of a line still being assembled.
   */
  readFloor(): string | undefined {
    if (this.newestRead === undefined) return undefined;
    return earliest([minusSeconds(this.newestRead, 1), this.pendingSince]);
  }

  /** Timestamp of the first piece of any line still being assembled. */
  get pendingSince(): string | undefined {
    return earliest([...this.streams.values()].map((s) => s.assembler.pendingSince));
  }

  /** Before reading again from an earlier point: the cursors skip what they have passed. */
  reopen(): void {
    for (const s of this.streams.values()) s.cursor.reopen();
  }

  /** File mode: where the earliest line still being assembled starts. */
  earliestPiece(): ReadPosition | undefined {
    let point: ReadPosition | undefined;
    for (const s of this.streams.values()) if (s.piecesFrom && (!point || readsBefore(s.piecesFrom, point))) point = s.piecesFrom;
    return point;
  }

  /** A line cut off by the end of a read is read again, whole, next time; returns its earliest timestamp. */
  abandonPartialLines(): string | undefined {
    let rewound: string | undefined;
    for (const s of this.streams.values()) {
      const since = s.assembler.pendingSince;
      if (since === undefined) continue;
      s.cursor.rewind(s.beforePieces);
      rewound = earliest([rewound, since]);
      s.assembler.reset();
      s.piecesFrom = undefined;
    }
    return rewound;
  }

  /** Settled positions per stream (restored ones for streams not seen in this run). */
  settledStreams(): ContainerCheckpoint['streams'] {
    const streams: ContainerCheckpoint['streams'] = { ...this.restored?.streams };
    for (const [name, s] of this.streams) {
      const value = s.settled.value;
      if (value) streams[name] = value;
    }
    return streams;
  }

  /** Timestamps of the oldest unsettled record of each stream. */
  oldestUnsettled(): Array<string | undefined> {
    return [...this.streams.values()].map((s) => s.settled.oldestPending?.ts);
  }

  /** File mode: where to reopen so that nothing unsettled is skipped. */
  get settledFilePosition(): FilePosition | undefined {
    const value = this.fileMark?.value;
    return value && { dev: value.dev, ino: value.ino, offset: value.offset, first: value.first };
  }

  private resumePoint(at: ReadPosition): ReadPosition {
    const piece = this.earliestPiece();
    return piece && readsBefore(piece, at) ? piece : at;
  }

  private streamState(stream: Stream): StreamState {
    let s = this.streams.get(stream);
    if (!s) {
      const start = this.restored?.streams[stream];
      s = {
        cursor: new StreamCursor(start),
        settled: new Watermark<StreamPosition>(start),
        assembler: new LineAssembler(this.ctx.maxLineBytes),
        beforePieces: undefined,
        piecesFrom: undefined,
      };
      this.streams.set(stream, s);
    }
    return s;
  }
}
