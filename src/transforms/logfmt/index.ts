import { z } from 'zod';
import { defineTransform, type PluginContext, type Transform } from '../../plugins/types.js';
import { fieldString, splitPath } from '../fields.js';
import { parserOptions } from '../parser-options.js';
import { ParseResult } from '../parse-result.js';

export const logfmtParserSchema = z.object(parserOptions).strict();

/** key=value pairs, values bare or double-quoted (with \" escapes); a bare key is true. */
export function parseLogfmt(text: string): Record<string, string | true> | undefined {
  const fields: Record<string, string | true> = {};
  const pair = /\s*([^\s=]+)(?:=(?:"((?:[^"\\]|\\.)*)"|(\S*)))?/y;
  let at = 0;
  while (at < text.length) {
    pair.lastIndex = at;
    const m = pair.exec(text);
    if (!m || m[0].length === 0) break;
    const [, key, quoted, bare] = m;
    fields[key as string] = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : bare ?? true;
    at = pair.lastIndex;
  }
  if (text.slice(at).trim() !== '' || Object.keys(fields).length === 0) return undefined;
  if (!Object.values(fields).some((v) => v !== true)) return undefined;
  return fields;
}

export class LogfmtParser implements Transform {
  private readonly path: string[];
  private readonly result: ParseResult;

  constructor(config: z.output<typeof logfmtParserSchema>, context: PluginContext) {
    this.path = splitPath(config.field);
    this.result = new ParseResult(config, context.metrics, context.id);
  }

  process: Transform['process'] = (event, emit) => {
    const fields = parseLogfmt(fieldString(event.record, this.path) ?? '');
    if (fields) this.result.apply(event.record, fields);
    else this.result.fail(event.record, 'logfmt: no key=value pairs');
    emit(event);
  };
}

export const logfmtParserTransform = defineTransform({
  kind: 'transform',
  type: 'logfmt',
  summary: 'Parses key=value messages (logfmt, as Go services and Heroku write them) into fields.',
  docs: 'docs/plugins/logfmt.md',
  schema: logfmtParserSchema,
  examples: [
    {
      title: 'logfmt lines, time taken from the ts key',
      pipeline: `inputs:
  - type: docker_logs
transforms:
  - type: logfmt
    timestamp_field: ts
outputs:
  - type: stdout
`,
    },
  ],
  create: (config, context) => new LogfmtParser(config, context),
});
