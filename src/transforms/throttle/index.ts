import { templateText } from '../../plugins/options/validators.js';
import { z } from 'zod';
import { integerIn, numberIn } from '../../plugins/options/numbers.js';
import type { Counter } from '../../core/metrics.js';
import { compileTemplate, type Template } from '../../core/template.js';
import { defineTransform, type PluginContext, type Transform } from '../../plugins/types.js';
import { LruMap, storedKey } from '../key-map.js';
import { METRIC } from '../../core/metric-names.js';

export const throttleSchema = z
  .object({
    rate: numberIn(0, 1e9, { above: true }).describe('Records per second let through per key, on average.'),
    // below 1 the bucket never holds a whole token: nothing would pass
    burst: numberIn(1, 1e9).optional().describe('Records let through at once after a quiet spell (default: rate, at least 1).'),
    key: templateText()
      .default('{container.id}')
      .describe('What each limit applies to, a template (default: per container).'),
    max_keys: integerIn(1, 1_000_000)
      .default(10_000)
      .describe('Most keys tracked at once; beyond, the least recently seen key is forgotten (if it comes back, it starts with a full burst).'),
  })
  .strict();

interface Bucket {
  tokens: number;
  at: number;
  /** Records dropped since the last report. */
  dropped: number;
  /** The start of a long key, for the report (the map holds its digest). */
  shown?: string;
}

const FORGET_AFTER_MS = 10 * 60_000;
const REPORT_EVERY_MS = 60_000;
/** Keys come from records: the report shows only their start. */
const SHOWN_KEY_LENGTH = 64;

/**
 * A token bucket per key: a container that floods is cut to `rate`, the others are untouched.
 * At most `max_keys` buckets (least recently seen forgotten first), since keys can come from
 * container output; drops are counted per transform, and the key dropped most is logged at most
 * once a minute.
 */
export class Throttle implements Transform {
  private readonly key: Template;
  private readonly burst: number;
  private readonly buckets: LruMap<Bucket>;
  private readonly dropped: Counter;
  private lastSweep: number;
  private lastReport: number;
  private droppedSinceReport = 0;

  constructor(
    private readonly config: z.output<typeof throttleSchema>,
    private readonly context: PluginContext,
    private readonly now: () => number = Date.now,
  ) {
    this.key = compileTemplate(config.key);
    // a bucket smaller than one token would let nothing through (rate 0.5 without a burst)
    this.burst = config.burst ?? Math.max(1, config.rate);
    this.buckets = new LruMap(config.max_keys);
    this.dropped = context.metrics.counter(METRIC.THROTTLE_DROPPED_TOTAL, { transform: context.id });
    this.lastSweep = this.lastReport = now();
  }

  process: Transform['process'] = (event, emit) => {
    const now = this.now();
    const text = this.key(event.record);
    const key = storedKey(text);
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: this.burst, at: now, dropped: 0 };
      if (key !== text) bucket.shown = text.slice(0, SHOWN_KEY_LENGTH);
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.config.rate);
    bucket.at = now;
    if (now - this.lastSweep > FORGET_AFTER_MS) this.sweep(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      emit(event);
      return;
    }
    this.dropped.inc();
    bucket.dropped += 1;
    this.droppedSinceReport += 1;
    if (now - this.lastReport >= REPORT_EVERY_MS) this.report(now);
    event.ack.settle('dropped');
  };

  /** Buckets idle for FORGET_AFTER_MS: the oldest-used first, so the scan stops at the first recent one. */
  private sweep(now: number): void {
    this.lastSweep = now;
    const idle: string[] = [];
    for (const [key, bucket] of this.buckets.entries()) {
      if (now - bucket.at <= FORGET_AFTER_MS) break;
      idle.push(key);
    }
    for (const key of idle) this.buckets.delete(key);
  }

  /** One line for what was dropped since the last one, naming the key dropped most (cut). */
  private report(now: number): void {
    let topKey: string | undefined;
    let top: Bucket | undefined;
    let topDropped = 0;
    for (const [key, bucket] of this.buckets.entries()) {
      if (bucket.dropped > topDropped) [topKey, top, topDropped] = [key, bucket, bucket.dropped];
      bucket.dropped = 0;
    }
    const seconds = Math.round((now - this.lastReport) / 1000);
    const total = this.droppedSinceReport;
    this.lastReport = now;
    this.droppedSinceReport = 0;
    if (topKey === undefined || !top) return;
    const long = top.shown !== undefined || topKey.length > SHOWN_KEY_LENGTH;
    const shown = `${JSON.stringify(top.shown ?? topKey.slice(0, SHOWN_KEY_LENGTH))}${long ? '…' : ''}`;
    this.context.logger.info(
      { transform: this.context.id, dropped: total, top_key: shown, top_key_dropped: topDropped },
      `throttle ${this.context.id}: dropped ${total} records in the last ${seconds} s; most for key ${shown} (${topDropped})`,
    );
  }
}

export const throttleTransform = defineTransform({
  kind: 'transform',
  type: 'throttle',
  summary: 'Rate-limits records per container (or any key) with a token bucket; counts what it drops.',
  docs: 'docs/plugins/throttle.md',
  schema: throttleSchema,
  examples: [
    {
      title: 'At most 100 lines/s per container, bursts of 500',
      pipeline: `inputs:
  - type: docker_logs
transforms:
  - type: throttle
    rate: 100
    burst: 500
outputs:
  - type: stdout
`,
    },
  ],
  create: (config, context) => new Throttle(config, context),
});
