import { Backoff } from '../core/backoff.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { Metrics } from '../core/metrics.js';
import type { PipelineEvent } from '../core/record.js';
import { DeadLetterFile, type Rejection } from './dead-letter.js';
import { METRIC } from '../core/metric-names.js';
import { ErrorCode } from '../core/error-codes.js';

const LOG_EVERY_MS = 60_000;

/**
 * Records a transform threw on (content it could not handle): written to the transforms'
 * dead-letter file with the transform and the reason, then settled as dead-lettered. Until the
 * file takes them (a full disk), they stay unsettled, so the inputs' checkpoints stay behind them
 * and a restart reads them again: none is lost.
 */
export class TransformFailures {
  private readonly pending: Array<Rejection & { stageId: string }> = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly backoff = new Backoff(100, 30_000);
  private lastLog = 0;
  private lastStageErrorLog = 0;
  private unlogged = 0;

  constructor(
    readonly path: string,
    private readonly logger: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** The TransformFailureHandler: queues the record; flush() writes what a batch collected. */
  readonly fail = (stageId: string, event: PipelineEvent, err: unknown): void => {
    this.pending.push({ stageId, event, code: ErrorCode.TRANSFORM_FAILED, reason: `transform ${stageId} failed on this record: ${errorMessage(err)}` });
    this.metrics.inc(METRIC.TRANSFORM_FAILURES_TOTAL, { transform: stageId });
    this.unlogged += 1;
  };

  /** A transform's tick or drain threw (no one record to blame): counted and logged, at most once a minute. */
  readonly stageError = (stageId: string, err: unknown): void => {
    this.metrics.inc(METRIC.TRANSFORM_ERRORS_TOTAL, { transform: stageId });
    const now = Date.now();
    if (now - this.lastStageErrorLog < LOG_EVERY_MS) return;
    this.lastStageErrorLog = now;
    this.logger.error({ transform: stageId }, `transform ${stageId} failed while passing on held records: ${errorMessage(err)}`);
  };

  /** Writes the queued records to the dead-letter file and settles them; on failure retries later with backoff. */
  flush(): void {
    if (this.pending.length === 0 || this.retryTimer) return;
    const batch = this.pending.splice(0);
    const byStage = new Map<string, Rejection[]>();
    for (const rejection of batch) {
      let list = byStage.get(rejection.stageId);
      if (!list) byStage.set(rejection.stageId, (list = []));
      list.push(rejection);
    }
    try {
      for (const [stageId, rejections] of byStage) new DeadLetterFile(this.path, stageId, 'transform').write(rejections);
    } catch (err) {
      this.pending.unshift(...batch);
      this.metrics.inc(METRIC.DEAD_LETTER_ERRORS_TOTAL, { output: 'transforms' });
      this.logger.error(`cannot write the transforms' dead-letter file ${this.path}: ${errorMessage(err)}; retrying (the records stay unsettled)`);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.flush();
      }, this.backoff.nextDelayMs());
      this.retryTimer.unref();
      return;
    }
    this.backoff.reset();
    for (const { event } of batch) event.ack.settle('dead_lettered');
    const now = Date.now();
    // content can make every record fail: one line a minute says it, the metric counts each
    if (now - this.lastLog >= LOG_EVERY_MS) {
      const sample = batch[0];
      this.logger.error({ dead_letter_path: this.path }, `${this.unlogged} records could not be transformed (${sample?.reason ?? ''}); written to the dead-letter file`);
      this.lastLog = now;
      this.unlogged = 0;
    }
  }

  close(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
