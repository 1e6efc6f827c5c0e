import { regexText } from '../../plugins/options/validators.js';
import { z } from 'zod';
import type { Counter } from '../../core/metrics.js';
import { defineTransform, type PluginContext, type Transform } from '../../plugins/types.js';
import { fieldString, splitPath } from '../fields.js';
import { METRIC } from '../../core/metric-names.js';

const regex = regexText();

const patterns = z.record(regex);

export const grepSchema = z
  .object({
    include: patterns
      .default({})
      .describe('Keep only records where every listed field (dotted path, e.g. message or container.labels.app) matches its regular expression. A missing field is the empty string.'),
    exclude: patterns.default({}).describe('Drop records where any listed field matches its regular expression.'),
  })
  .strict();

/** Keeps or drops records by regular expressions on any fields; what it drops is settled as dropped and counted. */
export class Grep implements Transform {
  private readonly include: Array<[string[], RegExp]>;
  private readonly exclude: Array<[string[], RegExp]>;
  private readonly dropped: Counter;

  constructor(config: z.output<typeof grepSchema>, context: PluginContext) {
    this.dropped = context.metrics.counter(METRIC.TRANSFORM_DROPPED_TOTAL, { transform: context.id });
    this.include = Object.entries(config.include).map(([path, re]) => [splitPath(path), new RegExp(re)]);
    this.exclude = Object.entries(config.exclude).map(([path, re]) => [splitPath(path), new RegExp(re)]);
  }

  process: Transform['process'] = (event, emit) => {
    const test = ([path, re]: [string[], RegExp]): boolean => re.test(fieldString(event.record, path) ?? '');
    if (!this.include.every(test) || this.exclude.some(test)) {
      this.dropped.inc();
      event.ack.settle('dropped');
      return;
    }
    emit(event);
  };
}

export const grepTransform = defineTransform({
  kind: 'transform',
  type: 'grep',
  summary: 'Keeps or drops records by a regular expression on any field (dropped records are counted).',
  docs: 'docs/plugins/grep.md',
  schema: grepSchema,
  check: (config) => (Object.keys(config.include).length + Object.keys(config.exclude).length === 0 ? [{ key: 'include', message: 'give include or exclude (field: regular expression), or both' }] : []),
  examples: [
    {
      title: 'Drop health-check noise',
      pipeline: `inputs:
  - type: docker_logs
transforms:
  - type: grep
    exclude: { message: "GET /healthz" }
outputs:
  - type: stdout
`,
    },
  ],
  create: (config, context) => new Grep(config, context),
});
