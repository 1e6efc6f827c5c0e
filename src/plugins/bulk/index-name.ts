import { boundedMemo } from '../../core/bounded-memo.js';
import { compileEventTemplate } from '../../core/template.js';
import { recordTimestamp, type PipelineEvent } from '../../core/record.js';

/**
 * Index names from a template of record fields and the record's date (UTC): `%Y`, `%m`, `%d`,
 * `%H`. The result is made valid: lower case, no \ / * ? " < > | , # : or spaces, no leading
 * - _ +, at most 255 bytes.
 */
export function compileIndexName(template: string): (event: PipelineEvent) => string {
  const render = compileEventTemplate(template);
  const dated = /%[YmdH]/.test(template);
  // few distinct names, one per record: remember the sanitised ones, by template text and hour
  const sanitized = boundedMemo(sanitizeIndexName);
  const datedName = boundedMemo((key) => {
    const hour = key.slice(0, 13);
    return sanitizeIndexName(key.slice(14).replace(/%Y/g, hour.slice(0, 4)).replace(/%m/g, hour.slice(5, 7)).replace(/%d/g, hour.slice(8, 10)).replace(/%H/g, hour.slice(11, 13)));
  });
  return (event) => (dated ? datedName(`${datePart(recordTimestamp(event)).slice(0, 13)}\u0000${render(event)}`) : sanitized(render(event)));
}

const RFC3339_DATE_HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}/;

/**
 * The record's time as `YYYY-MM-DDTHH`: its @timestamp when that is RFC 3339 text (inputs make it
 * so); parsed content may have replaced it with a number or anything else, and then the time the
 * record is sent names its index.
 */
function datePart(timestamp: unknown): string {
  if (typeof timestamp === 'string' && RFC3339_DATE_HOUR.test(timestamp)) return timestamp;
  return new Date().toISOString();
}

export function sanitizeIndexName(name: string): string {
  let cleaned = name.toLowerCase().replace(/[\\/*?"<>|,#:\s]/g, '_').replace(/^[-_+]+/, '');
  // at most 255 bytes: at most 255 characters first (names can come from container labels of any
  // length), then one character at a time off the few multi-byte ones
  if (cleaned.length > 255) cleaned = cleaned.slice(0, 255);
  while (Buffer.byteLength(cleaned) > 255) cleaned = cleaned.slice(0, -1);
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return 'logship';
  return cleaned;
}

/** The index pattern an index template needs to cover every name the template can produce. */
export function indexPattern(template: string): string {
  const hole = 'logshipxtemplatexhole';
  return sanitizeIndexName(template.replace(/\{[^}]*\}/g, hole).replace(/%[YmdH]/g, hole)).replace(new RegExp(`(${hole})+`, 'g'), '*');
}
