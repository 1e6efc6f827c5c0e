import type { Counter, Metrics } from '../core/metrics.js';
import type { LogRecord } from '../core/record.js';
import { normalizeParsedTimestamp, PARSED_TIME_RANGE } from './parsed-timestamp.js';
import { getField, setField, splitPath } from './fields.js';
import { LOGSHIP_FIELDS, fitsField, type OverwritableField } from './logship-fields.js';
import { METRIC } from '../core/metric-names.js';

export interface ParserOptions {
  field: string;
  target: string;
  timestamp_field?: string | undefined;
  collision_target?: string | undefined;
  allow_overwrite?: readonly OverwritableField[] | undefined;
}

/**
 * What every parser does with its result: fields merged at the top level or put under `target`,
 * optionally `@timestamp` taken from a parsed field; on failure the record stays as it was, marked
 * with `parse_error` and counted — never dropped.
 *
 * Merged keys come from the container's output, so a key named like a field logship sets (or like
 * the collision key itself, or `__proto__`) is kept under `collision_target` instead of replacing
 * it, unless `allow_overwrite` lists that field and the value is of the field's kind.
 */
export class ParseResult {
  private readonly target: string[];
  private readonly timestampPath: string[] | undefined;
  private readonly timestampKey: string | undefined;
  private readonly errors: Counter;
  private readonly collisionKey: string;
  private readonly kept: ReadonlySet<string>;
  private readonly overwritable: ReadonlySet<string>;

  constructor(options: ParserOptions, metrics: Metrics, id: string) {
    this.errors = metrics.counter(METRIC.PARSE_ERRORS_TOTAL, { transform: id });
    this.target = splitPath(options.target);
    this.timestampPath = options.timestamp_field ? splitPath(options.timestamp_field) : undefined;
    this.timestampKey = options.timestamp_field;
    this.collisionKey = options.collision_target ?? '_parsed';
    this.kept = new Set<string>([...LOGSHIP_FIELDS, this.collisionKey, '__proto__']);
    this.overwritable = new Set(options.allow_overwrite ?? []);
  }

  /**
   * A parsed time that is not a valid one (not ISO 8601 text or epoch seconds/ms, not a real date,
   * outside 1970–9999: see parsed-timestamp.ts) leaves `@timestamp` as it was and marks the record
   * with `parse_error`, its fields merged all the same; a missing one is no error.
   */
  apply(record: LogRecord, fields: Record<string, unknown>): void {
    const parsedTime = this.timestampPath ? (getField(fields as LogRecord, this.timestampPath) ?? fields[this.timestampKey as string]) : undefined;
    const timestamp = parsedTime === undefined ? undefined : normalizeParsedTimestamp(parsedTime);
    if (this.target.length) setField(record, this.target, fields);
    else this.merge(record, fields, timestamp !== undefined && this.timestampKey === '@timestamp');
    if (timestamp) record['@timestamp'] = timestamp;
    else if (parsedTime !== undefined) this.fail(record, `timestamp_field ${JSON.stringify(this.timestampKey)}: not a valid time (ISO 8601 or epoch seconds/ms, a real date in ${PARSED_TIME_RANGE}); @timestamp kept`);
  }

  fail(record: LogRecord, reason: string): void {
    record.parse_error = reason;
    this.errors.inc();
  }

  private merge(record: LogRecord, fields: Record<string, unknown>, timestampTaken: boolean): void {
    let collided: Record<string, unknown> | undefined;
    for (const key of Object.keys(fields)) {
      const value = fields[key];
      if (!this.kept.has(key) || (this.overwritable.has(key) && fitsField(key as OverwritableField, value))) record[key] = value;
      else if (key !== '@timestamp' || !timestampTaken) {
        collided ??= {};
        // defineProperty: assigning `__proto__` would set the object's prototype instead of a key
        Object.defineProperty(collided, key, { value, enumerable: true, writable: true, configurable: true });
      }
    }
    if (!collided) return;
    // an earlier parser in the chain may have kept keys there already
    const earlier = record[this.collisionKey];
    record[this.collisionKey] = earlier !== null && typeof earlier === 'object' && !Array.isArray(earlier) ? { ...earlier, ...collided } : collided;
  }
}
