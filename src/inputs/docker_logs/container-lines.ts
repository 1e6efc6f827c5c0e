import type { ContainerMeta, LogRecord, Stream } from '../../core/record.js';
import { containerKubernetes } from '../docker/container-meta.js';
import { recordToJson } from '../../core/record-json.js';
import { minusSeconds } from '../../core/timestamp.js';
import { earliest, type ContainerCheckpoint, type FilePosition } from './checkpoint.js';
import { readsBefore, type LogFileRef, type ReadPosition } from './json-file/read-position.js';
import type { FollowerContext } from './follower-context.js';
import { LineAssembler, type AssembledLine } from './line-assembler.js';
import { LineEvent, type RecordShape, type SettleQueueOwner } from './line-event.js';
import type { LogMessage } from './log-message.js';
import { StreamCursor, type StreamPosition } from './stream-cursor.js';

/** A record shape with the JSON that follows the message in its records (`","stream":…}`). */
interface StreamShape extends RecordShape {
  readonly jsonTail: Buffer;
}

function streamShape(shape: Omit<RecordShape, 'fields'>): StreamShape {
  const { stream, tag, container, host, kubernetes } = shape;
  // the keys in the order LineEvent.build() gives them: the tail must be that record's JSON
  const fields = Object.freeze(kubernetes ? { stream, source: 'main', tag, container, host, kubernetes } : { stream, source: 'main', tag, container, host });
  return { ...shape, fields, jsonTail: Buffer.from(`"${recordToJson(fields as LogRecord).replace(/^\{/, ',')}`) };
}

/** Compact a stream's queue of records once this many settled ones lead it. */
const COMPACT_AFTER = 1024;

/**
 * One stream of one container: the cursor that drops what was read before, the assembler that
 * joins 16 KiB pieces, and its records in emission order, whose settled prefix is the checkpoint.
 */
class StreamState implements SettleQueueOwner {
  readonly cursor: StreamCursor;
  readonly assembler: LineAssembler;
  /** Records handed on, oldest first; those before `head` are settled. */
  private queue: LineEvent[] = [];
  private head = 0;
  /** The newest record such that it and all before it are settled. */
  private lastSettled: LineEvent | undefined;
  /** Cursor position before the first piece of the line being assembled. */
  beforePieces: StreamPosition | undefined;
  /** File mode: where the first piece of that line starts. */
  piecesFrom: ReadPosition | undefined;
  /** What this stream's records share: the same for all until the metadata changes. */
  shape: StreamShape | undefined;

  readonly positionSource: string;

  constructor(
    inputId: string,
    readonly containerId: string,
    readonly stream: Stream,
    private readonly restored: StreamPosition | undefined,
    maxLineBytes: number,
  ) {
    this.positionSource = `${inputId}/${containerId}/${stream}`;
    this.cursor = new StreamCursor(restored);
    this.assembler = new LineAssembler(maxLineBytes);
  }

  add(event: LineEvent): void {
    this.queue.push(event);
  }

  /** A record settled: moves past every settled one at the front (settlement may come in any order). */
  advance(): void {
    const queue = this.queue;
    let head = this.head;
    while (head < queue.length && (queue[head] as LineEvent).settled) head += 1;
    if (head === this.head) return;
    this.lastSettled = queue[head - 1];
    if (head >= COMPACT_AFTER && head * 2 >= queue.length) {
      this.queue = queue.slice(head);
      head = 0;
    }
    this.head = head;
  }

  get pending(): number {
    return this.queue.length - this.head;
  }

  get oldestPending(): LineEvent | undefined {
    return this.queue[this.head];
  }

  get settledPosition(): StreamPosition | undefined {
    const last = this.lastSettled;
    return last ? { ts: last.ts, count: last.count } : this.restored;
  }
}

/**
 * One container's messages turned into records, whichever reader (the logs API or the json-file)
 * delivers them. Both readers count the same messages with the same timestamps, so a checkpoint
 * written in one mode resumes at the same line in the other.
 */
export class ContainerLines {
  private readonly streams = new Map<Stream, StreamState>();
  /** Newest message timestamp read in this run. */
  newestRead: string | undefined;
  private meta: ContainerMeta | undefined;
  private tag = '';
  /** File mode: the restored position, then the end of the newest record's entry. */
  private fileStart: FilePosition | undefined;
  private lastFile: LogFileRef | undefined;
  private lastEnd = 0;

  constructor(
    private readonly id: string,
    private readonly ctx: FollowerContext,
    private readonly restored: ContainerCheckpoint | undefined,
  ) {}

  describe(meta: ContainerMeta, tag: string): void {
    this.meta = meta;
    this.tag = tag;
    for (const s of this.streams.values()) s.shape = undefined;
  }

  /** File mode: start tracking file positions (from a restored one). */
  trackFile(initial: FilePosition | undefined): void {
    this.fileStart ??= initial;
  }

  /**
   * Takes one message. In file mode `file` and `end` say where its json-file entry ends and
   * `entryBytes` how long it is; a record's file position is where its first piece starts, so
   * reopening there never skips a piece. Returns whether the sink still has room (false: pause the source).
   */
  push(message: LogMessage, file?: LogFileRef, end = 0, entryBytes = 0): boolean {
    const timestamp = message.timestamp;
    if (this.newestRead === undefined || timestamp > this.newestRead) this.newestRead = timestamp;
    const s = this.streamState(message.stream);
    const cursor = s.cursor;
    const beforeTs = cursor.ts;
    const beforeCount = cursor.count;
    if (!cursor.advance(timestamp)) {
      this.ctx.counters.repeatedSkipped.inc();
      return true;
    }
    const assembler = s.assembler;
    // every piece of a line carries the line's timestamp: another one means the line being joined
    // ended with its last piece (the container's last output, and then it ran again)
    let room = true;
    if (assembler.pendingSince !== undefined && assembler.pendingSince !== timestamp) room = this.endLine(s, beforeTs as string, beforeCount);
    const joining = assembler.pendingSince !== undefined;
    if (!joining && !message.terminated) {
      s.beforePieces = beforeTs === undefined ? undefined : { ts: beforeTs, count: beforeCount };
      s.piecesFrom = file && { dev: file.dev, ino: file.ino, first: file.first ?? '', order: file.order, offset: end - entryBytes, entryBytes: 0 };
    }
    const line = assembler.push(message);
    if (!line) return room;
    let startFile = file;
    let startOffset = end - entryBytes;
    if (joining) {
      // joined from pieces: the line starts at its first piece
      const from = s.piecesFrom;
      if (from) {
        startFile = from;
        startOffset = from.offset;
      }
      s.piecesFrom = undefined;
      s.beforePieces = undefined;
    }
    if (file) {
      this.lastFile = file;
      this.lastEnd = end;
    }
    return this.emit(s, line, cursor.ts as string, cursor.count, startFile, startOffset) && room;
  }

  /**
   * The container's output ended (it stopped and its log was read to the end): a line still being
   * joined ended with its last piece, which had no newline. With `before`, only lines that started
   * before it: the container runs again since then, and a newer line may still be being written.
   */
  endPartialLines(before?: string): void {
    for (const s of this.streams.values()) {
      const since = s.assembler.pendingSince;
      if (since === undefined || (before !== undefined && since >= before)) continue;
      // no later message of this stream came (it would have ended or continued the line): the
      // cursor is at the line's last piece
      this.endLine(s, s.cursor.ts as string, s.cursor.count);
    }
  }

  /** Makes a record of the line being joined; `ts` and `count` are the stream position after its last piece. */
  private endLine(s: StreamState, ts: string, count: number): boolean {
    const line = s.assembler.finish();
    const from = s.piecesFrom;
    s.piecesFrom = undefined;
    s.beforePieces = undefined;
    // the file position stays at the end of the record before the pieces: reading from there
    // again, the cursor skips the pieces
    return line ? this.emit(s, line, ts, count, from, from?.offset ?? 0) : true;
  }

  /** Hands a record on; false when the sink is full. */
  private emit(s: StreamState, line: AssembledLine, ts: string, count: number, file: LogFileRef | undefined, startOffset: number): boolean {
    if (line.originalBytes !== undefined) this.ctx.counters.truncated.inc();
    const meta = this.meta as ContainerMeta;
    const shape = (s.shape ??= streamShape({ stream: s.stream, tag: this.tag, container: meta, host: this.ctx.host, kubernetes: containerKubernetes(meta) }));
    // a computed tag needs the record, and its JSON is then no longer the shape's
    const jsonTail = line.source && !this.ctx.tag ? shape.jsonTail : undefined;
    const event = new LineEvent(line, shape, line.bytes + 256 + shape.jsonTail.length, s, ts, count, file, startOffset, jsonTail);
    if (this.ctx.tag) event.record.tag = this.ctx.tag(event.record);
    s.add(event);
    this.ctx.counters.records.inc();
    this.ctx.counters.bytes.inc(line.bytes);
    return this.ctx.sink.offer(event);
  }

  /** Records handed on and not settled yet. */
  get pendingRecords(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.pending;
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
      s.beforePieces = undefined;
    }
    return rewound;
  }

  /** Settled positions per stream (restored ones for streams not seen in this run). */
  settledStreams(): ContainerCheckpoint['streams'] {
    const streams: ContainerCheckpoint['streams'] = { ...this.restored?.streams };
    for (const [name, s] of this.streams) {
      const value = s.settledPosition;
      if (value) streams[name] = value;
    }
    return streams;
  }

  /** Timestamps of the oldest unsettled record of each stream. */
  oldestUnsettled(): Array<string | undefined> {
    return [...this.streams.values()].map((s) => s.oldestPending?.ts);
  }

  /**
   * File mode: where to reopen so that nothing unsettled is skipped: the start of the earliest
   * unsettled record or line being assembled; when there is none, the end of the newest record.
   */
  get settledFilePosition(): FilePosition | undefined {
    let point = this.earliestPiece();
    for (const s of this.streams.values()) {
      const oldest = s.oldestPending;
      if (!oldest?.file || oldest.file.first === undefined) continue;
      const start: ReadPosition = { dev: oldest.file.dev, ino: oldest.file.ino, first: oldest.file.first, order: oldest.file.order, offset: oldest.startOffset, entryBytes: 0 };
      if (!point || readsBefore(start, point)) point = start;
    }
    if (point) return { dev: point.dev, ino: point.ino, offset: point.offset, first: point.first };
    const file = this.lastFile;
    if (file && file.first !== undefined) return { dev: file.dev, ino: file.ino, offset: this.lastEnd, first: file.first };
    return this.fileStart;
  }

  private streamState(stream: Stream): StreamState {
    let s = this.streams.get(stream);
    if (!s) {
      s = new StreamState(this.ctx.inputId, this.id, stream, this.restored?.streams[stream], this.ctx.maxLineBytes);
      this.streams.set(stream, s);
    }
    return s;
  }
}
