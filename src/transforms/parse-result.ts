import type { Counter, Metrics } from '../core/metrics.js';
import type { LogRecord } from '../core/record.js';
import { normalizeParsedTimestamp } from './parsed-timestamp.js';
import { getField, setField, splitPath } from './fields.js';

export interface ParserOptions {
  field: string;
  target: string;
  timestamp_field?: string | undefined;
}

/**
 * What every parser does with its result: fields merged at the top level or put under `target`,
 * optionally `@timestamp` taken from a parsed field; on failure the record stays as it was, marked
 * with `parse_error` and counted — never dropped.
 */
export class ParseResult {
  private readonly target: string[];
  private readonly timestampPath: string[] | undefined;
  private readonly errors: Counter;

  constructor(
    private readonly options: ParserOptions,
    metrics: Metrics,
    id: string,
  ) {
    this.errors = metrics.counter('parse_errors_total', { transform: id });
    this.target = splitPath(options.target);
    this.timestampPath = options.timestamp_field ? splitPath(options.timestamp_field) : undefined;
  }

  apply(record: LogRecord, fields: Record<string, unknown>): void {
    if (this.target.length) setField(record, this.target, fields);
    else for (const [key, value] of Object.entries(fields)) if (key !== '@timestamp' || !this.timestampPath) record[key] = value;
    if (this.timestampPath) {
      const ts = normalizeParsedTimestamp(getField(record, [...this.target, ...this.timestampPath]) ?? fields[this.timestampPath.join('.')]);
      if (ts) record['@timestamp'] = ts;
    }
  }

  fail(record: LogRecord, reason: string): void {
    record.parse_error = reason;
    this.errors.inc();
  }
}
