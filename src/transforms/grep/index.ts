import { z } from 'zod';
import { defineTransform, type PluginContext, type Transform } from '../../plugins/types.js';
import { fieldString, splitPath } from '../fields.js';

const regex = z
  .string()
  .min(1)
  .superRefine((text, ctx) => {
    try {
      new RegExp(text);
    } catch (err) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `not a valid regular expression: ${(err as Error).message}` });
    }
  });

export const grepSchema = z
  .object({
    field: z.string().min(1).default('message').describe('Field to test (dotted path, e.g. container.labels.app); a missing field is the empty string.'),
    keep: regex.optional().describe('Keep only records whose field matches this regular expression.'),
    drop: regex.optional().describe('Drop records whose field matches this regular expression.'),
  })
  .strict();

/** Keeps or drops records by a regular expression on any field; what it drops is settled as dropped and counted. */
export class Grep implements Transform {
  private readonly path: string[];
  private readonly keep: RegExp | undefined;
  private readonly drop: RegExp | undefined;

  constructor(config: z.output<typeof grepSchema>, _context: PluginContext) {
    this.path = splitPath(config.field);
    this.keep = config.keep ? new RegExp(config.keep) : undefined;
    this.drop = config.drop ? new RegExp(config.drop) : undefined;
  }

  process: Transform['process'] = (event, emit) => {
    const value = fieldString(event.record, this.path) ?? '';
    if ((this.keep && !this.keep.test(value)) || this.drop?.test(value)) {
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
  check: (config) => (config.keep === undefined && config.drop === undefined ? [{ key: 'keep', message: 'give keep or drop (a regular expression), or both' }] : []),
  examples: [
    {
      title: 'Drop health-check noise',
      pipeline: `inputs:
  - type: docker_logs
transforms:
  - type: grep
    drop: "GET /healthz"
outputs:
  - type: stdout
`,
    },
  ],
  create: (config, context) => new Grep(config, context),
});
