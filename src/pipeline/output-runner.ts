import { Backoff, sleep } from '../core/backoff.js';
import { Channel } from '../core/channel.js';
import { LogshipError, errorMessage, isRetriable } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { PipelineEvent } from '../core/record.js';
import type { Output } from '../plugins/types.js';

export interface OutputRunnerOptions {
  id: string;
  output: Output;
  maxBatchRecords: number;
  lingerMs: number;
  queue: { maxRecords: number; maxBytes: number };
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
  private readonly abort = new AbortController();
  private failing = false;

  constructor(private readonly options: OutputRunnerOptions) {
    this.queue = new Channel(options.queue.maxRecords, options.queue.maxBytes);
    const labels = { output: options.id };
    options.metrics.gauge('output_queue_records', labels, () => this.queue.length);
    options.metrics.gauge('output_queue_bytes', labels, () => this.queue.byteSize);
  }

  start(): void {
    this.loop = this.run();
  }

  /** Lets queued records drain until the deadline, then gives up on what is left (it stays unsettled). */
  async stop(deadline: number): Promise<void> {
    this.queue.close();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.abort.abort();
        resolve();
      }, Math.max(0, deadline - Date.now()));
    });
    try {
      // a write that never returns (stdout into a stalled pipe) must not hold up the final checkpoint
      await Promise.race([this.loop, expired]);
    } finally {
      clearTimeout(timer);
    }
    await Promise.race([this.options.output.close(), expired]);
  }

  private async run(): Promise<void> {
    const { maxBatchRecords, lingerMs } = this.options;
    while (!this.abort.signal.aborted) {
      let batch = await this.queue.take(maxBatchRecords);
      if (batch.length === 0) return;
      if (batch.length < maxBatchRecords && lingerMs > 0 && !this.queue.isClosed) {
        await this.queue.waitForItems(maxBatchRecords - batch.length, lingerMs);
        batch = batch.concat(this.queue.poll(maxBatchRecords - batch.length));
      }
      await this.deliver(batch);
    }
  }

  private async deliver(batch: PipelineEvent[]): Promise<void> {
    const { id, output, metrics, logger } = this.options;
    const labels = { output: id };
    const backoff = new Backoff(100, 30_000);
    while (!this.abort.signal.aborted) {
      try {
        await output.write(batch);
        for (const event of batch) event.ack.settle('delivered');
        metrics.inc('output_records_total', labels, batch.length);
        if (this.failing) logger.info({ output: id }, 'output recovered');
        this.failing = false;
        return;
      } catch (err) {
        metrics.inc('output_errors_total', labels);
        if (!isRetriable(err)) {
          for (const event of batch) event.ack.settle('dead_lettered');
          metrics.inc('output_dead_lettered_total', labels, batch.length);
          logger.error({ output: id, code: (err as LogshipError).code }, `output rejected ${batch.length} records: ${errorMessage(err)}`);
          return;
        }
        metrics.inc('output_retries_total', labels);
        if (!this.failing) logger.warn({ output: id, code: (err as LogshipError).code }, `output failing, retrying with backoff: ${errorMessage(err)}`);
        this.failing = true;
        await sleep(backoff.nextDelayMs(), this.abort.signal);
      }
    }
  }
}
