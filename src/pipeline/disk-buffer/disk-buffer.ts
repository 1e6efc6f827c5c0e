import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Ack } from '../../core/ack.js';
import { Backoff, sleep, wakeOrAbort } from '../../core/backoff.js';
import { Channel } from '../../core/channel.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import type { PipelineEvent } from '../../core/record.js';
import { Watermark } from '../../core/watermark.js';
import type { CheckpointStore } from '../../state/checkpoint-store.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../../state/file-modes.js';
import { SpoolAside, type InvalidEntry } from './spool-aside.js';
import { parseSpoolEntry, type SpoolEntry } from './spool-entry.js';
import { encodeFrame, FRAME_HEADER, MAX_PAYLOAD, scanFrame } from './spool-frame.js';
import { METRIC } from '../../core/metric-names.js';

export type WhenFull = 'block' | 'drop_newest';

export interface DiskBufferOptions {
  /** The output's id: names the spool folder, the checkpoint key and the metric label. */
  id: string;
  dir: string;
  maxBytes: number;
  whenFull: WhenFull;
  checkpoints: CheckpointStore;
  logger: Logger;
  metrics: Metrics;
  /** Records handed to the output at once from the spool (its batch size). */
  replayRecords: number;
}

/** The next entry to read: segment number and byte offset in it. */
interface Position {
  segment: number;
  offset: number;
}

const SEGMENT_SUFFIX = '.spool';
const READ_CHUNK = 1024 * 1024;


function segmentName(n: number): string {
  return `${String(n).padStart(12, '0')}${SEGMENT_SUFFIX}`;
}

/**
 * A write-ahead spool in front of one output. Records from the output's queue are appended to
 * checksummed segment files and fsynced, and only then acknowledged: from there on the spool,
 * not Docker, holds them, so the inputs may checkpoint past them. A reader replays the spool in
 * order into `replay`, which the output runner delivers from; the read position is checkpointed
 * only over entries the output settled (a watermark), so a crash replays, never skips.
 *
 * Size: `maxBytes` caps the segment files on disk. When full, `block` stops taking records (the
 * output's queue fills and the inputs pause) and `drop_newest` drops what does not fit, counted.
 * A damaged entry (bad checksum, torn write after a crash) ends its segment: the rest of that
 * segment is skipped with an error log line and counted; the next segment is read as usual.
 * An intact entry that is not a record is moved aside (SpoolAside) and replay goes on after it.
 */
export class DiskBuffer {
  readonly replay: Channel<PipelineEvent>;
  private readonly sizes = new Map<number, number>();
  private readonly segmentBytes: number;
  private writeSegment: number;
  private writeFd: number;
  private writeOffset = 0;
  private read: Position;
  private readFd: { segment: number; fd: number } | undefined;
  private readonly settled: Watermark<Position>;
  private dataWaiters: Array<() => void> = [];
  private spaceWaiters: Array<() => void> = [];
  private pendingEntries = 0;
  private closed = false;
  private readonly aside: SpoolAside;

  constructor(private readonly options: DiskBufferOptions) {
    const { dir, id, checkpoints, metrics } = options;
    this.aside = new SpoolAside(dir, id, options.logger, metrics);
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    this.segmentBytes = Math.min(64 * 1024 * 1024, Math.max(64 * 1024, Math.floor(options.maxBytes / 8)));
    for (const name of readdirSync(dir)) {
      if (!name.endsWith(SEGMENT_SUFFIX)) continue;
      const n = Number.parseInt(name, 10);
      if (Number.isSafeInteger(n)) this.sizes.set(n, statSync(join(dir, name)).size);
    }
    const existing = [...this.sizes.keys()].sort((a, b) => a - b);
    const restored = validPosition(checkpoints.restore<Position>(this.key)) ?? { segment: existing[0] ?? 1, offset: 0 };
    this.read = restored;
    this.settled = new Watermark<Position>(restored);
    // never append to a segment of an earlier run: its tail may be torn
    this.writeSegment = Math.max(restored.segment, ...existing, 0) + 1;
    this.writeFd = this.openSegment(this.writeSegment);
    this.collect();
    this.replay = new Channel(options.replayRecords * 2, 64 * 1024 * 1024);
    checkpoints.register(this.key, () => this.settled.value);
    const labels = { output: id };
    metrics.gauge(METRIC.BUFFER_BYTES, labels, () => this.usedBytes);
    metrics.gauge(METRIC.BUFFER_MAX_BYTES, labels, () => options.maxBytes);
    metrics.gauge(METRIC.BUFFER_RECORDS, labels, () => this.pendingEntries);
  }

  private get key(): string {
    return `buffer:${this.options.id}`;
  }

  get usedBytes(): number {
    let total = 0;
    for (const size of this.sizes.values()) total += size;
    return total;
  }

  /**
   * Appends records durably, then settles their acknowledgements (`delivered`: the spool holds
   * them now). Waits while the spool is full (`block`), or drops them (`drop_newest`). A write
   * error (disk full) is logged and retried with backoff; the records stay unacknowledged.
   * Returns false when `signal` aborted before the records were settled (the caller still owns them).
   * A record that cannot be serialised (nesting that overflows the stack) is not spooled: it goes to
   * `unencodable`, unsettled, for the caller to dead-letter; the others are spooled.
   */
  async append(batch: readonly PipelineEvent[], signal: AbortSignal, unencodable?: (event: PipelineEvent, err: unknown) => void): Promise<boolean> {
    const { metrics, logger, whenFull, maxBytes, id } = this.options;
    const events: PipelineEvent[] = [];
    const frames: Buffer[] = [];
    for (const event of batch) {
      let payload: Buffer;
      try {
        payload = Buffer.from(JSON.stringify({ record: event.record, origin: event.origin, position: event.position }));
        if (payload.length > MAX_PAYLOAD) throw new RangeError(`the record takes ${payload.length} bytes, more than a spool entry holds (${MAX_PAYLOAD})`);
      } catch (err) {
        if (!unencodable) throw err;
        unencodable(event, err);
        continue;
      }
      events.push(event);
      frames.push(encodeFrame(payload));
    }
    if (events.length === 0) return true;
    const bytes = frames.reduce((sum, f) => sum + f.length, 0);
    while (this.usedBytes > 0 && this.usedBytes + bytes > maxBytes && !signal.aborted) {
      if (whenFull === 'drop_newest') {
        for (const event of events) event.ack.settle('dropped');
        metrics.inc(METRIC.BUFFER_DROPPED_TOTAL, { output: id }, events.length);
        return true;
      }
      metrics.inc(METRIC.BUFFER_FULL_WAITS_TOTAL, { output: id });
      // the active segment can only be deleted once it is finished: finish it
      if (this.writeOffset > 0) this.roll();
      await wakeOrAbort((wake) => this.spaceWaiters.push(wake), signal);
    }
    const backoff = new Backoff(100, 30_000);
    let failing = false;
    while (!signal.aborted) {
      try {
        this.writeFrames(frames);
        if (failing) logger.info({ output: id }, 'buffer: writing to the spool works again');
        break;
      } catch (err) {
        metrics.inc(METRIC.BUFFER_WRITE_ERRORS_TOTAL, { output: id });
        if (!failing) logger.error({ output: id, dir: this.options.dir }, `buffer: cannot write the spool in ${this.options.dir} (${errorMessage(err)}); holding the records and retrying with backoff`);
        failing = true;
        await sleep(backoff.nextDelayMs(), signal);
      }
    }
    if (signal.aborted) return false;
    this.pendingEntries += events.length;
    metrics.inc(METRIC.BUFFER_WRITTEN_TOTAL, { output: id }, events.length);
    for (const event of events) event.ack.settle('delivered');
    this.wake('data');
    return true;
  }

  /** Writes and fsyncs frames to the active segment; on failure cuts the segment back to where it was. */
  private writeFrames(frames: Buffer[]): void {
    const start = this.writeOffset;
    try {
      let offset = start;
      for (const frame of frames) offset += writeSync(this.writeFd, frame, 0, frame.length, offset);
      fsyncSync(this.writeFd);
      this.writeOffset = offset;
    } catch (err) {
      try {
        ftruncateSync(this.writeFd, start);
      } catch {
        // the reader stops at the last good entry of this segment anyway
      }
      throw err;
    }
    this.sizes.set(this.writeSegment, this.writeOffset);
    if (this.writeOffset >= this.segmentBytes) this.roll();
  }

  private roll(): void {
    closeSync(this.writeFd);
    this.writeSegment += 1;
    this.writeOffset = 0;
    this.writeFd = this.openSegment(this.writeSegment);
    // the reader may be waiting at the end of the finished segment: let it move on
    this.wake('data');
    this.collect();
  }

  private openSegment(n: number): number {
    const fd = openSync(join(this.options.dir, segmentName(n)), 'w+', PRIVATE_FILE_MODE);
    this.sizes.set(n, 0);
    return fd;
  }

  /** Reads the spool into `replay` in order until closed. */
  async runReader(signal: AbortSignal): Promise<void> {
    while (!signal.aborted && !this.closed) {
      const batch = this.readSome();
      if (batch.length === 0) {
        await wakeOrAbort((wake) => this.dataWaiters.push(wake), signal);
        continue;
      }
      for (const event of batch) {
        if (signal.aborted || this.closed) return;
        await this.replay.put(event, event.bytes);
      }
    }
  }

  /** Entries from the read position on, up to one chunk; moves past finished or damaged segments. */
  private readSome(): PipelineEvent[] {
    const { logger, metrics, id } = this.options;
    for (;;) {
      const { segment } = this.read;
      const size = segment === this.writeSegment ? this.writeOffset : this.sizes.get(segment);
      if (size === undefined) {
        // a segment deleted under us or never written: go to the next one there is
        const next = [...this.sizes.keys()].filter((n) => n > segment).sort((a, b) => a - b)[0];
        if (next === undefined) return [];
        this.read = { segment: next, offset: 0 };
        continue;
      }
      if (this.read.offset >= size) {
        if (segment === this.writeSegment) return [];
        this.read = { segment: segment + 1, offset: 0 };
        continue;
      }
      const available = size - this.read.offset;
      let bytes = this.readAt(segment, this.read.offset, Math.min(READ_CHUNK, available));
      if (bytes.length >= FRAME_HEADER) {
        // an entry larger than one chunk: read all of it
        const whole = FRAME_HEADER + bytes.readUInt32BE(0);
        if (whole > bytes.length && whole <= available && whole <= FRAME_HEADER + MAX_PAYLOAD) bytes = this.readAt(segment, this.read.offset, whole);
      }
      const events: PipelineEvent[] = [];
      const invalid: Array<InvalidEntry & { seq: number }> = [];
      let at = 0;
      let damage: string | undefined;
      while (events.length < this.options.replayRecords) {
        const scan = scanFrame(bytes, at);
        if (scan.kind === 'incomplete') {
          // a finished segment that ends inside an entry: the write was torn by a crash
          if (segment !== this.writeSegment && this.read.offset + bytes.length >= size && at < bytes.length) damage = 'entry cut short (torn write)';
          break;
        }
        if (scan.kind === 'corrupt') {
          damage = scan.reason;
          break;
        }
        const start = this.read.offset + at;
        const seq = this.settled.add({ segment, offset: this.read.offset + scan.end });
        at = scan.end;
        const entry = parseSpoolEntry(scan.payload);
        if (typeof entry === 'string') invalid.push({ segment: segmentName(segment), offset: start, reason: entry, payload: scan.payload, seq });
        else events.push(this.eventFrom(entry, scan.payload.length, seq));
      }
      this.read = { segment, offset: this.read.offset + at };
      this.aside.put(invalid);
      for (const { seq } of invalid) this.settle(seq, true);
      if (damage) {
        metrics.inc(METRIC.BUFFER_CORRUPT_TOTAL, { output: id });
        logger.error({ output: id, segment: segmentName(segment), offset: this.read.offset }, `buffer: damaged spool entry in ${segmentName(segment)} at byte ${this.read.offset} (${damage}); skipping the rest of that segment`);
        if (segment === this.writeSegment) this.roll();
        this.read = { segment: segment + 1, offset: 0 };
        this.markSkipped(segment);
      }
      // only entries moved aside: the reader would wait for new data with more to read here
      if (events.length > 0 || (damage === undefined && invalid.length === 0)) return events;
    }
  }

  /** A skipped segment counts as settled up to its end, so it can be deleted. */
  private markSkipped(segment: number): void {
    const seq = this.settled.add({ segment: segment + 1, offset: 0 });
    this.settle(seq);
  }

  private eventFrom(entry: SpoolEntry, bytes: number, seq: number): PipelineEvent {
    const event: PipelineEvent = { record: entry.record, bytes, ack: new Ack(() => this.settle(seq, true)), ...(entry.position ? { position: entry.position } : {}) };
    if (entry.origin !== undefined) event.origin = entry.origin;
    return event;
  }

  private settle(seq: number, entry = false): void {
    if (entry) this.pendingEntries = Math.max(0, this.pendingEntries - 1);
    if (this.settled.settle(seq)) this.collect();
  }

  /** Deletes segments every entry of which is settled. */
  private collect(): void {
    const mark = this.settled.value;
    if (!mark) return;
    let freed = false;
    for (const [n, size] of [...this.sizes]) {
      const done = n < mark.segment || (n === mark.segment && mark.offset >= size);
      if (!done || n === this.writeSegment) continue;
      if (this.readFd?.segment === n) {
        closeSync(this.readFd.fd);
        this.readFd = undefined;
      }
      rmSync(join(this.options.dir, segmentName(n)), { force: true });
      this.sizes.delete(n);
      freed = true;
    }
    if (freed) this.wake('space');
  }

  private readAt(segment: number, offset: number, length: number): Buffer {
    const bytes = Buffer.allocUnsafe(length);
    const got = readSync(this.readFdFor(segment), bytes, 0, length, offset);
    return bytes.subarray(0, got);
  }

  private readFdFor(segment: number): number {
    if (this.readFd?.segment === segment) return this.readFd.fd;
    if (this.readFd) closeSync(this.readFd.fd);
    this.readFd = { segment, fd: openSync(join(this.options.dir, segmentName(segment)), 'r') };
    return this.readFd.fd;
  }

  private wake(what: 'data' | 'space'): void {
    const waiters = what === 'data' ? this.dataWaiters : this.spaceWaiters;
    if (what === 'data') this.dataWaiters = [];
    else this.spaceWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Stops reading; what was not delivered stays in the spool for the next run. */
  close(): void {
    this.closed = true;
    this.replay.close();
    this.wake('data');
    this.wake('space');
    closeSync(this.writeFd);
    if (this.readFd) closeSync(this.readFd.fd);
    this.readFd = undefined;
  }
}

function validPosition(value: unknown): Position | undefined {
  const p = value as Position | undefined;
  if (typeof p !== 'object' || p === null) return undefined;
  return Number.isSafeInteger(p.segment) && p.segment >= 0 && Number.isSafeInteger(p.offset) && p.offset >= 0 ? { segment: p.segment, offset: p.offset } : undefined;
}
