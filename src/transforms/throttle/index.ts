import { templateText } from '../../config/validators.js';
import { z } from 'zod';
import { numberIn } from '../../config/numbers.js';
import { compileTemplate, type Template } from '../../core/template.js';
import { defineTransform, type PluginContext, type Transform } from '../../plugins/types.js';

export const throttleSchema = z
  .object({
    rate: numberIn(0, 1e9, { above: true }).describe('Records per second let through per key, on average.'),
    // below 1 the bucket never holds a whole token: nothing would pass
    burst: numberIn(1, 1e9).optional().describe('Records let through at once after a quiet spell (default: rate, at least 1).'),
    key: templateText()
      .default('{container.id}')
      .describe('What each limit applies to, a template (default: per container).'),
  })
  .strict();

interface Bucket {
  tokens: number;
  at: number;
}

const FORGET_AFTER_MS = 10 * 60_000;

/** A token bucket per key: a container that floods is cut to `rate`, the others are untouched; drops are counted per key. */
export class Throttle implements Transform {
  private readonly key: Template;
  private readonly burst: number;
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = Date.now();

  constructor(
    private readonly config: z.output<typeof throttleSchema>,
    private readonly context: PluginContext,
    private readonly now: () => number = Date.now,
  ) {
    this.key = compileTemplate(config.key);
    // a bucket smaller than one token would let nothing through (rate 0.5 without a burst)
    this.burst = config.burst ?? Math.max(1, config.rate);
  }

  process: Transform['process'] = (event, emit) => {
    const now = this.now();
    const key = this.key(event.record);
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { tokens: this.burst, at: now }));
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.config.rate);
    bucket.at = now;
    if (now - this.lastSweep > FORGET_AFTER_MS) this.sweep(now);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      emit(event);
      return;
    }
    this.context.metrics.inc('throttle_dropped_total', { transform: this.context.id, key: key.slice(0, 12) });
    event.ack.settle('dropped');
  };

  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (now - bucket.at > FORGET_AFTER_MS) this.buckets.delete(key);
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
