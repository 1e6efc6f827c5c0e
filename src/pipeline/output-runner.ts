import { Backoff, sleep } from '../core/backoff.js';
import { Channel } from '../core/channel.js';
import { LogshipError, errorCode, errorMessage, isRecordError, isRetriable } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import { recordTimestamp, type PipelineEvent } from '../core/record.js';
import type { ItemFailure, Output } from '../plugins/types.js';
import { DeadLetterFile, type Rejection } from './dead-letter.js';
import type { DiskBuffer } from './disk-buffer/disk-buffer.js';
import { METRIC } from '../core/metric-names.js';
import { ErrorCode } from '../core/error-codes.js';

export interface OutputRunnerOptions {
  id: string;
  output: Output;
  maxBatchRecords: number;
  lingerMs: number;
  /** Batches in write() at once (1: one after another). */
  concurrentWrites?: number;
  /** handOver waits for writes in progress however long they take (Batching.handOverAfterWrites). */
  handOverAfterWrites?: boolean;
  /** Where records this output rejects for good are written. */
  deadLetterPath: string;
  /** The output's queue, or its limits. A queue passed in outlives the runner (a reload swaps runners, not queues). */
  queue: Channel<PipelineEvent> | { maxRecords: number; maxBytes: number };
  /** A disk spool between the queue and the output (buffer.type: disk). */
  buffer?: DiskBuffer;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Feeds one output: takes batches from its bounded queue, writes them, retries retriable failures
 * with capped backoff (so a down output backs the pipeline up instead of losing data), and settles
 * every record's acknowledgement with the outcome.
 */
export class OutputRunner {
  readonly queue: Channel<PipelineEvent>;
  private loop: Promise<void> | undefined;
  private spooling: Promise<void> | undefined;
  private reading: Promise<void> | undefined;
  private readonly abort = new AbortController();
  private failing = false;
  /** Records inside output.write() right now. */
  private writing = 0;
  /** Epoch ms of the newest delivered record's @timestamp, for the lag gauge. */
  private newestDelivered = 0;
  private readonly deadLetters: DeadLetterFile;
  /** Records taken from the queue but not settled when the runner was aborted, by batch number. */
  private readonly unfinished = new Map<number, PipelineEvent[]>();

  constructor(private readonly options: OutputRunnerOptions) {
    this.queue = options.queue instanceof Channel ? options.queue : new Channel(options.queue.maxRecords, options.queue.maxBytes);
    this.deadLetters = new DeadLetterFile(options.deadLetterPath, options.id);
    const labels = { output: options.id };
    options.metrics.gauge(METRIC.OUTPUT_QUEUE_RECORDS, labels, () => this.queue.length);
    options.metrics.gauge(METRIC.OUTPUT_QUEUE_BYTES, labels, () => this.queue.byteSize);
    options.metrics.gauge(METRIC.OUTPUT_LAG_SECONDS, labels, () => (this.newestDelivered ? Math.max(0, (Date.now() - this.newestDelivered) / 1000) : 0));
  }

  /** True while deliveries fail and are being retried. */
  get healthy(): boolean {
    return !this.failing;
  }

  get id(): string {
    return this.options.id;
  }

  start(): void {
    const { buffer } = this.options;
    if (buffer) {
      this.spooling = this.spool(buffer);
      this.reading = buffer.runReader(this.abort.signal);
    }
    this.loop = this.run();
  }

  /** Moves records from the queue into the disk buffer, which acknowledges them once on disk. */
  private async spool(buffer: DiskBuffer): Promise<void> {
    for (;;) {
      const batch = await this.queue.take(this.options.maxBatchRecords, this.abort.signal);
      if (batch.length === 0) return;
      const rejected: Rejection[] = [];
      const spooled = await buffer.append(batch, this.abort.signal, (event, err) => rejected.push({ event, ...recordFailure(err) }));
      if (rejected.length) await this.deadLetter(rejected);
      if (!spooled) {
        const taken = new Set(rejected.map((r) => r.event));
        this.unfinished.set(-1, batch.filter((event) => !taken.has(event)));
        return;
      }
    }
  }

  /** Lets queued records drain until the deadline, then gives up on what is left (it stays unsettled). */
  async stop(deadline: number): Promise<void> {
    this.queue.close();
    const { buffer } = this.options;
    if (buffer) {
      // what is queued goes to disk (quick); what the spool holds waits there for the next run
      await Promise.race([this.spooling, sleep(Math.max(0, deadline - Date.now()))]);
      buffer.close();
      await this.reading;
    }
    await this.finish(deadline, () => this.loop);
  }

  /**
   * Stops this runner but not its queue, for a reload that replaces the output: in-flight writes
   * finish (until the deadline), then every record it took and did not settle goes back to the
   * front of the queue, in order, for the next runner. A disk buffer keeps its own backlog on disk.
   * Returns how many records went back.
   */
  async handOver(deadline: number): Promise<number> {
    this.abort.abort();
    const { buffer, handOverAfterWrites } = this.options;
    await this.finish(
      handOverAfterWrites ? Number.POSITIVE_INFINITY : deadline,
      async () => {
        await Promise.all([this.loop, this.spooling]);
        buffer?.close();
        await this.reading;
      },
    );
    const back = this.takeUnfinished();
    this.queue.requeue(back, (event) => event.bytes);
    return back.length;
  }

  /** After stop(): what this runner took and did not settle, then what is still queued. */
  abandon(): PipelineEvent[] {
    return [...this.takeUnfinished(), ...this.queue.poll(Number.MAX_SAFE_INTEGER)];
  }

  /** Records still being written when `handOver` or `stop` gave up (stuck writes). */
  get stuckWrites(): number {
    return this.writing;
  }

  private takeUnfinished(): PipelineEvent[] {
    const batches = [...this.unfinished.entries()].sort(([a], [b]) => a - b).map(([, events]) => events);
    this.unfinished.clear();
    return batches.flat();
  }

  /** Waits for `work` until the deadline, then aborts; closes the output either way. */
  private async finish(deadline: number, work: () => Promise<unknown> | undefined): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      if (deadline === Number.POSITIVE_INFINITY) return;
      timer = setTimeout(() => {
        this.abort.abort();
        resolve();
      }, Math.max(0, deadline - Date.now()));
    });
    try {
      // a write that never returns (stdout into a stalled pipe) must not hold up the final checkpoint
      await Promise.race([work(), expired]);
    } finally {
      clearTimeout(timer);
    }
    await Promise.race([this.options.output.close(), expired]);
  }

  private async run(): Promise<void> {
    const { maxBatchRecords, lingerMs } = this.options;
    const limit = Math.max(1, this.options.concurrentWrites ?? 1);
    const inFlight = new Set<Promise<void>>();
    let previous: Promise<void> = Promise.resolve();
    let sequence = 0;
    while (!this.abort.signal.aborted) {
      const source = this.options.buffer?.replay ?? this.queue;
      let batch = await source.take(maxBatchRecords, this.abort.signal);
      if (batch.length === 0) break;
      if (batch.length < maxBatchRecords && lingerMs > 0 && !source.isClosed) {
        await source.waitForItems(maxBatchRecords - batch.length, lingerMs);
        batch = batch.concat(source.poll(maxBatchRecords - batch.length));
      }
      const delivery = this.deliver(batch, previous, sequence++);
      // settles when this batch and every earlier one are done: a batch delivered at once must
      // not let a later batch's retry overtake the retry of a batch before it
      const earlier = previous;
      previous = delivery.then(() => earlier, () => earlier);
      inFlight.add(delivery);
      void delivery.finally(() => inFlight.delete(delivery));
      if (inFlight.size >= limit) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }

  /**
   * Delivers a batch: settles what the output delivered, dead-letters what it rejected for good,
   * and sends the rest again with backoff — only the failed records, in their order. The first
   * attempt may overlap earlier batches' (concurrentWrites); retries wait until every earlier
   * batch is done, so a retried record never overtakes an earlier one's retry. This is the
   * ordering the plugin contract promises (OutputDefinition.batching; output-contract.test.ts).
   */
  private async deliver(batch: PipelineEvent[], earlier: Promise<void>, sequence: number): Promise<void> {
    let pending = batch;
    try {
      pending = await this.attempt(batch, earlier);
    } finally {
      // records replayed from a disk buffer stay in its spool; only queue records need handing back
      if (pending.length && !this.options.buffer) this.unfinished.set(sequence, pending);
    }
  }

  /** Writes, retries; returns what is still pending when the runner is aborted. */
  private async attempt(batch: PipelineEvent[], earlier: Promise<void>): Promise<PipelineEvent[]> {
    const { id, metrics, logger } = this.options;
    const labels = { output: id };
    const backoff = new Backoff(100, 30_000);
    let pending = batch;
    let attempts = 0;
    while (pending.length > 0 && !this.abort.signal.aborted) {
      attempts += 1;
      if (attempts === 2) await earlier;
      const failures = await this.writeOnce(pending, attempts);
      const failed = failures.length ? new Map(failures.map((f) => [f.index, f])) : undefined;
      const retry: PipelineEvent[] = [];
      const rejected: Rejection[] = [];
      let delivered = 0;
      let newest = '';
      for (let index = 0; index < pending.length; index += 1) {
        const event = pending[index] as PipelineEvent;
        const failure = failed?.get(index);
        if (!failure) {
          event.ack.settle('delivered');
          delivered += 1;
          const timestamp: unknown = recordTimestamp(event);
          // a transform may have put anything there: only text times move the lag gauge
          if (typeof timestamp === 'string' && timestamp > newest) newest = timestamp;
        } else if (failure.retriable) retry.push(event);
        else rejected.push({ event, code: failure.code, reason: failure.reason });
      }
      if (delivered) metrics.inc(METRIC.OUTPUT_RECORDS_TOTAL, labels, delivered);
      const newestMs = newest ? Date.parse(newest) : Number.NaN;
      if (!Number.isNaN(newestMs)) this.newestDelivered = Math.max(this.newestDelivered, newestMs);
      if (rejected.length) await this.deadLetter(rejected);
      pending = retry;
      if (pending.length === 0) {
        if (this.failing) logger.info({ output: id }, 'output recovered');
        this.failing = false;
        return pending;
      }
      const first = failures.find((f) => f.retriable);
      metrics.inc(METRIC.OUTPUT_ERRORS_TOTAL, labels);
      metrics.inc(METRIC.OUTPUT_RETRIES_TOTAL, labels);
      if (!this.failing) logger.warn({ output: id, code: first?.code }, `output failing for ${pending.length} records, retrying with backoff: ${first?.reason ?? ''}`);
      this.failing = true;
      await sleep(backoff.nextDelayMs(), this.abort.signal);
    }
    return pending;
  }

  /**
   * One write of `records`; a thrown error becomes a failure of every record, except an error of
   * the code handling records (see isRecordError), which is one record's: then each record is
   * written alone to find it, and the others are delivered.
   */
  private async writeOnce(records: PipelineEvent[], attempt: number): Promise<ItemFailure[]> {
    try {
      return await this.writeCounted(records, attempt);
    } catch (err) {
      if (records.length > 1 && !(err instanceof LogshipError) && isRecordError(err)) return this.writeOneByOne(records, attempt);
      return records.map((_, index) => failureOf(err, index));
    }
  }

  private async writeOneByOne(records: PipelineEvent[], attempt: number): Promise<ItemFailure[]> {
    const failures: ItemFailure[] = [];
    for (let index = 0; index < records.length; index += 1) {
      const previous = failures[failures.length - 1];
      if (previous?.retriable) {
        // the destination failed meanwhile: the rest waits for the retry, in order
        failures.push({ ...previous, index });
        continue;
      }
      try {
        for (const failure of await this.writeCounted([records[index] as PipelineEvent], attempt)) failures.push({ ...failure, index });
      } catch (err) {
        failures.push(failureOf(err, index));
      }
    }
    return failures;
  }

  private async writeCounted(records: PipelineEvent[], attempt: number): Promise<ItemFailure[]> {
    this.writing += records.length;
    try {
      return (await this.options.output.write(records, { attempt }))?.failures ?? [];
    } finally {
      this.writing -= records.length;
    }
  }

  /** Writes rejected records to the dead-letter file, retrying until it works (they stay unsettled meanwhile). */
  private async deadLetter(rejected: Rejection[]): Promise<void> {
    const { id, metrics, logger } = this.options;
    const backoff = new Backoff(100, 30_000);
    while (!this.abort.signal.aborted) {
      try {
        this.deadLetters.write(rejected);
        for (const { event } of rejected) event.ack.settle('dead_lettered');
        metrics.inc(METRIC.OUTPUT_DEAD_LETTERED_TOTAL, { output: id }, rejected.length);
        const sample = rejected[0] as Rejection;
        logger.error({ output: id, code: sample.code, dead_letter_path: this.deadLetters.path }, `output rejected ${rejected.length} records for good (${sample.reason}); written to the dead-letter file`);
        return;
      } catch (err) {
        metrics.inc(METRIC.DEAD_LETTER_ERRORS_TOTAL, { output: id });
        logger.error({ output: id }, `cannot write the dead-letter file ${this.deadLetters.path}: ${errorMessage(err)}; retrying`);
        await sleep(backoff.nextDelayMs(), this.abort.signal);
      }
    }
  }
}

/** A thrown error as one record's failure. */
function failureOf(err: unknown, index: number): ItemFailure {
  const code = errorCode(err, ErrorCode.OUTPUT_ERROR);
  const reason = code === ErrorCode.RECORD_UNRENDERABLE ? `cannot render the record: ${errorMessage(err)}` : errorMessage(err);
  return { index, retriable: isRetriable(err), code, reason };
}

/** Why a record could not be written to the disk buffer. */
function recordFailure(err: unknown): { code: string; reason: string } {
  return { code: ErrorCode.RECORD_UNRENDERABLE, reason: `cannot write the record to the disk buffer: ${errorMessage(err)}` };
}
