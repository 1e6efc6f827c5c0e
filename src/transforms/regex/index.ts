import { regexText } from '../../plugins/options/validators.js';
import { z } from 'zod';
import { defineTransform, type PluginContext, type Transform } from '../../plugins/types.js';
import { fieldString, splitPath } from '../fields.js';
import { parserOptions } from '../parser-options.js';
import { ParseResult } from '../parse-result.js';

export const regexParserSchema = z
  .object({
    ...parserOptions,
    pattern: regexText((text) => (/\(\?<\w+>/.test(text) ? undefined : 'needs at least one named group, e.g. (?<level>\\w+)'))
      .describe('JavaScript regular expression with named groups; each group becomes a field.'),
  })
  .strict();

/** Parses a field with a regular expression's named groups. */
export class RegexParser implements Transform {
  private readonly path: string[];
  private readonly regex: RegExp;
  private readonly result: ParseResult;

  constructor(config: z.output<typeof regexParserSchema>, context: PluginContext) {
    this.path = splitPath(config.field);
    this.regex = new RegExp(config.pattern);
    this.result = new ParseResult(config, context.metrics, context.id);
  }

  process: Transform['process'] = (event, emit) => {
    const match = this.regex.exec(fieldString(event.record, this.path) ?? '');
    if (match?.groups) this.result.apply(event.record, Object.fromEntries(Object.entries(match.groups).filter(([, v]) => v !== undefined)));
    else this.result.fail(event.record, 'regex: no match');
    emit(event);
  };
}

export const regexParserTransform = defineTransform({
  kind: 'transform',
  type: 'regex',
  summary: 'Parses a field with a regular expression: each named group becomes a field; no match is kept and marked with parse_error.',
  docs: 'docs/plugins/regex.md',
  schema: regexParserSchema,
  examples: [
    {
      title: 'nginx access lines into fields',
      pipeline: `inputs:
  - type: docker_logs
    include: { images: ["nginx:*"] }
transforms:
  - type: regex
    pattern: '^(?<client>\\S+) \\S+ \\S+ \\[(?<time>[^\\]]+)\\] "(?<method>\\S+) (?<path>\\S+) [^"]*" (?<status>\\d{3})'
    target: http
outputs:
  - type: stdout
`,
    },
  ],
  create: (config, context) => new RegexParser(config, context),
});
