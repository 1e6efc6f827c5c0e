import { z } from 'zod';
import { defineTransform, type Transform, type PluginContext } from '../../plugins/types.js';
import { fieldString, splitPath } from '../fields.js';
import { parserOptions } from '../parser-options.js';
import { ParseResult } from '../parse-result.js';

const OBJECT_START = /^\s*\{/;

export const jsonParserSchema = z.object(parserOptions).strict();

/** Parses a field holding a JSON object. */
export class JsonParser implements Transform {
  private readonly path: string[];
  private readonly result: ParseResult;

  constructor(config: z.output<typeof jsonParserSchema>, context: PluginContext) {
    this.path = splitPath(config.field);
    this.result = new ParseResult(config, context.metrics, context.id);
  }

  process: Transform['process'] = (event, emit) => {
    const text = fieldString(event.record, this.path);
    // most non-JSON lines are plain text: failing them without JSON.parse spares its exception
    if (text === undefined || !OBJECT_START.test(text)) {
      this.result.fail(event.record, 'json: not a JSON object');
      emit(event);
      return;
    }
    let parsed: unknown;
    try {
      parsed = text === undefined ? undefined : JSON.parse(text);
    } catch (err) {
      this.result.fail(event.record, `json: ${(err as Error).message}`);
      emit(event);
      return;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) this.result.fail(event.record, 'json: not a JSON object');
    else this.result.apply(event.record, parsed as Record<string, unknown>);
    emit(event);
  };
}

export const jsonParserTransform = defineTransform({
  kind: 'transform',
  type: 'json',
  summary: 'Parses JSON messages into fields (merged at the top level or under a key); failures are kept and marked with parse_error.',
  docs: 'docs/plugins/json.md',
  schema: jsonParserSchema,
  examples: [
    {
      title: 'JSON lines of the api containers under "app", with their own time',
      pipeline: `inputs:
  - type: docker_logs
transforms:
  - type: json
    match: "docker.main.api*"
    target: app
    timestamp_field: time
outputs:
  - type: stdout
`,
    },
  ],
  create: (config, context) => new JsonParser(config, context),
});
