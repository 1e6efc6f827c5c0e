import { closeSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { LogshipError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import type { PipelineEvent } from '../../core/record.js';
import { JsonLines } from '../../core/json-lines.js';
import { recordToJson } from '../../core/record-json.js';
import { renderFailure } from '../../plugins/record-failure.js';
import type { ItemFailure, Output, PluginContext } from '../../plugins/types.js';
import { ReplayFilter } from './replay-filter.js';
import type { FileConfig } from './schema.js';
import { METRIC } from '../../core/metric-names.js';
import { ErrorCode } from '../../core/error-codes.js';

/** Committed state of the file at the same instant as the inputs' checkpoints. */
interface FileCommit {
  path: string;
  dev: number;
  ino: number;
  size: number;
}

const MAX_REPLAY_BYTES = 64 * 1024 * 1024;
const ROTATION_CHECK_MS = 1000;

/** Inputs resend what follows their checkpoints right after start; lines not resent by then never will be. */
const REPLAY_WINDOW_MS = 5 * 60_000;

/**
 * Appends records as JSON lines. Acknowledges a batch once write(2) returned (and fsync, when
 * asked), and commits its size with every checkpoint so that after a crash the lines written
 * since the last checkpoint are recognised when the inputs send them again.
 */
export class FileOutput implements Output {
  private fd: number;
  private dev = 0;
  private ino = 0;
  private committedSize = 0;
  private lastRotationCheck = Date.now();
  private replay: ReplayFilter | undefined;
  private replayStart = 0;
  /** Written batches whose records are not yet settled by every output, oldest first. */
  private readonly unsettled: Array<{ start: number; events: readonly PipelineEvent[] }> = [];
  private replayUntil = 0;
  /** Where a batch is encoded before its one write; kept between batches. */
  private readonly lines = new JsonLines();
  private readonly logger: Logger;
  private readonly metrics: Metrics;

  constructor(
    private readonly config: FileConfig,
    private readonly context: PluginContext,
  ) {
    this.logger = context.logger;
    this.metrics = context.metrics;
    if (config.mkdir) mkdirSync(dirname(config.path), { recursive: true });
    this.fd = this.open();
    this.recoverAfterCrash(context.checkpoints.restore<FileCommit>(this.commitKey));
    context.checkpoints.register(this.commitKey, (): FileCommit => ({ path: config.path, dev: this.dev, ino: this.ino, size: this.commitSize() }));
  }

  /**
   * While replayed records are still expected, the commit stays where the replayed region starts:
   * the inputs' checkpoints are still behind those lines, and a crash now must recognise them again.
   */
  private commitSize(): number {
    if (this.replay && Date.now() > this.replayUntil) {
      this.logger.info({ output: this.context.id, lines: this.replay.size }, 'file: stopped waiting for replayed lines');
      this.replay = undefined;
    }
    if (this.replay) return this.replayStart;
    // with several outputs, a record written here can still wait for another output; the inputs'
    // checkpoints stay behind it, so the commit must too, or a crash would write it twice
    this.forgetSettled();
    return this.unsettled[0]?.start ?? this.committedSize;
  }

  /** Drops written batches that every output has settled: holding them until the next checkpoint kept a second of records alive. */
  private forgetSettled(): void {
    while (this.unsettled.length && this.unsettled[0]?.events.every((e) => e.ack.settled)) this.unsettled.shift();
  }

  private get commitKey(): string {
    return `output:${this.context.id}`;
  }

  /** A record that cannot be serialised is left out of the write and reported as its own failure. */
  async write(batch: readonly PipelineEvent[]): Promise<{ failures: ItemFailure[] }> {
    this.followRotation();
    let skipped = 0;
    const failures: ItemFailure[] = [];
    const lines = this.lines;
    lines.reset();
    for (let index = 0; index < batch.length; index += 1) {
      const event = batch[index] as PipelineEvent;
      if (event.json && !this.replay) {
        // the input's ready-made JSON: copied, not serialised
        lines.appendEncoded(event.json);
        continue;
      }
      let line: string;
      try {
        line = recordToJson(event.record);
      } catch (err) {
        failures.push(renderFailure(index, err));
        continue;
      }
      if (this.replay?.alreadyWritten(line)) {
        skipped += 1;
        continue;
      }
      // encoded straight into one reused buffer: a quarter of the cost of joining the batch's text first
      lines.appendText(line);
    }
    if (skipped) this.metrics.inc(METRIC.FILE_REPLAYED_LINES_SKIPPED_TOTAL, { output: this.context.id }, skipped);
    if (this.replay?.size === 0) this.replay = undefined;
    if (lines.byteLength === 0) return { failures };
    const buffer = lines.bytes();
    try {
      let offset = 0;
      while (offset < buffer.length) offset += writeSync(this.fd, buffer, offset);
      if (this.config.fsync) fsyncSync(this.fd);
    } catch (err) {
      // take back a partly written batch (ENOSPC): the retry writes it whole
      try {
        ftruncateSync(this.fd, this.committedSize);
      } catch {
        // the file is unusable; the retry will report it
      }
      throw new LogshipError(ErrorCode.FILE_WRITE, `cannot write ${this.config.path}: ${(err as Error).message}`, { retriable: true, cause: err });
    }
    this.forgetSettled();
    this.unsettled.push({ start: this.committedSize, events: batch });
    this.committedSize += buffer.length;
    return { failures };
  }

  async close(): Promise<void> {
    if (this.config.fsync) fsyncSync(this.fd);
    closeSync(this.fd);
  }

  private open(): number {
    let fd: number;
    try {
      fd = openSync(this.config.path, 'a+', 0o644);
    } catch (err) {
      throw new LogshipError(ErrorCode.FILE_OPEN, `cannot open ${this.config.path}: ${(err as Error).message}`, { retriable: false, cause: err });
    }
    const stat = fstatSync(fd);
    this.dev = stat.dev;
    this.ino = stat.ino;
    this.committedSize = stat.size;
    return fd;
  }

  /** Reopens the path when it was moved away or replaced (logrotate without copytruncate). */
  private followRotation(): void {
    const now = Date.now();
    if (now - this.lastRotationCheck < ROTATION_CHECK_MS) return;
    this.lastRotationCheck = now;
    let same = false;
    try {
      const stat = statSync(this.config.path);
      same = stat.ino === this.ino && stat.dev === this.dev;
    } catch {
      same = false;
    }
    if (same) return;
    closeSync(this.fd);
    this.fd = this.open();
    this.unsettled.length = 0;
    this.logger.info({ output: this.context.id }, `file: ${this.config.path} was rotated; writing to a new file`);
  }

  private recoverAfterCrash(commit: FileCommit | undefined): void {
    if (!commit || commit.path !== this.config.path || commit.dev !== this.dev || commit.ino !== this.ino) return;
    const size = this.committedSize;
    if (size <= commit.size) return;
    const start = Math.max(commit.size, size - MAX_REPLAY_BYTES);
    const tail = Buffer.alloc(size - start);
    readSync(this.fd, tail, 0, tail.length, start);
    let text = tail.toString('utf8');
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline < text.length - 1) {
      // a write torn by the crash: drop the partial line; its record was never acknowledged
      const keep = start + Buffer.byteLength(text.slice(0, lastNewline + 1));
      ftruncateSync(this.fd, keep);
      this.committedSize = keep;
      text = text.slice(0, lastNewline + 1);
      this.logger.warn({ output: this.context.id }, `file: removed a partial last line from ${this.config.path} left by a crash`);
    }
    this.replay = new ReplayFilter(text.split('\n'));
    this.replayStart = commit.size;
    this.replayUntil = Date.now() + REPLAY_WINDOW_MS;
    this.logger.info({ output: this.context.id, lines: this.replay.size }, 'file: lines written after the last checkpoint will not be written twice');
  }
}
