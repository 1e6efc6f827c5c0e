import { regexText } from '../../plugins/options/validators.js';
import { z } from 'zod';
import { integerIn } from '../../plugins/options/numbers.js';
import { defineTransform, type PluginContext, type Transform } from '../../plugins/types.js';
import { fieldString, splitPath } from '../fields.js';
import { LruMap, storedKey } from '../key-map.js';
import { METRIC } from '../../core/metric-names.js';

export const sampleSchema = z
  .object({
    rate: integerIn(2, 1_000_000_000).describe('Keep one record in every `rate` (per container).'),
    keep: regexText()
      .optional()
      .describe('Records whose `field` matches this regular expression are always kept (e.g. "error|warn").'),
    field: z.string().min(1).default('message').describe('Field `keep` tests.'),
    max_keys: integerIn(1, 1_000_000)
      .default(10_000)
      .describe('Most containers counted at once; beyond, the least recently seen is forgotten (if it comes back, its count starts again: its next record is kept).'),
  })
  .strict();

/**
 * Keeps 1 in `rate` records per container, counted, not random: the same input gives the same
 * output. At most `max_keys` counters: containers come and go, and a transform before this one
 * can set container.id from a record's content.
 */
export class Sample implements Transform {
  private readonly counts: LruMap<number>;
  private readonly keep: RegExp | undefined;
  private readonly path: string[];

  constructor(
    private readonly config: z.output<typeof sampleSchema>,
    private readonly context: PluginContext,
  ) {
    this.keep = config.keep ? new RegExp(config.keep) : undefined;
    this.path = splitPath(config.field);
    this.counts = new LruMap(config.max_keys);
  }

  process: Transform['process'] = (event, emit) => {
    if (this.keep?.test(fieldString(event.record, this.path) ?? '')) {
      emit(event);
      return;
    }
    const key = storedKey(String(event.record.container.id));
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n % this.config.rate);
    if (n === 1) {
      emit(event);
      return;
    }
    this.context.metrics.inc(METRIC.SAMPLE_DROPPED_TOTAL, { transform: this.context.id });
    event.ack.settle('dropped');
  };
}

export const sampleTransform = defineTransform({
  kind: 'transform',
  type: 'sample',
  summary: 'Keeps one record in N per container, always keeping those that match a pattern.',
  docs: 'docs/plugins/sample.md',
  schema: sampleSchema,
  examples: [
    {
      title: 'One access log line in 10, every error',
      pipeline: `inputs:
  - type: docker_logs
    include: { images: ["nginx:*"] }
transforms:
  - type: sample
    rate: 10
    keep: '" [45]\\d\\d '
outputs:
  - type: stdout
`,
    },
  ],
  create: (config, context) => new Sample(config, context),
});
