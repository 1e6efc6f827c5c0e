import { templateText } from '../../plugins/options/validators.js';
import { z } from 'zod';
import { compileTagTemplate } from '../../core/tag-template.js';
import type { LogRecord } from '../../core/record.js';
import { defineTransform, type PluginContext, type Transform } from '../../plugins/types.js';

export const retagSchema = z
  .object({
    tag: templateText()
      .describe('New tag, a template of record fields, e.g. "app.{container.labels.app}.{source}". Empty parts become "_".'),
  })
  .strict();

/** Rewrites the tag from record fields, so that later transforms and outputs route on it (Fluent Bit's rewrite_tag). */
export class Retag implements Transform {
  private readonly tag: (record: LogRecord) => string;

  constructor(config: z.output<typeof retagSchema>, _context: PluginContext) {
    this.tag = compileTagTemplate(config.tag);
  }

  process: Transform['process'] = (event, emit) => {
    event.record.tag = this.tag(event.record);
    emit(event);
  };
}

export const retagTransform = defineTransform({
  kind: 'transform',
  type: 'retag',
  summary: 'Rewrites record tags from record fields, for routing (like Fluent Bit rewrite_tag).',
  docs: 'docs/plugins/retag.md',
  schema: retagSchema,
  examples: [
    {
      title: 'Route by the app label: app.<app>.<source>',
      pipeline: `inputs:
  - type: docker_logs
transforms:
  - type: retag
    tag: "app.{container.labels.app}.{source}"
outputs:
  - type: stdout
    match: "app.shop.*"
`,
    },
  ],
  create: (config, context) => new Retag(config, context),
});
