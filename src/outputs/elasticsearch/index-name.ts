import { boundedMemo } from '../../core/bounded-memo.js';
import { compileTemplate } from '../../core/template.js';
import type { LogRecord } from '../../core/record.js';

/**
 * Index names from a template of record fields and the record's date (UTC): `%Y`, `%m`, `%d`,
 * `%H`. The result is made valid: lower case, no \ / * ? " < > | , # : or spaces, no leading
 * - _ +, at most 255 bytes.
 */
export function compileIndexName(template: string): (record: LogRecord) => string {
  const render = compileTemplate(template);
  const dated = /%[YmdH]/.test(template);
  // few distinct names, one per record: remember the sanitised ones
  const sanitized = boundedMemo(sanitizeIndexName);
  return (record) => {
    let name = render(record);
    if (dated) {
      const ts = record['@timestamp'];
      name = name.replace(/%Y/g, ts.slice(0, 4)).replace(/%m/g, ts.slice(5, 7)).replace(/%d/g, ts.slice(8, 10)).replace(/%H/g, ts.slice(11, 13));
    }
    return sanitized(name);
  };
}

export function sanitizeIndexName(name: string): string {
  let cleaned = name.toLowerCase().replace(/[\\/*?"<>|,#:\s]/g, '_').replace(/^[-_+]+/, '');
  while (Buffer.byteLength(cleaned) > 255) cleaned = cleaned.slice(0, -1);
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return 'logship';
  return cleaned;
}

/** The index pattern an index template needs to cover every name the template can produce. */
export function indexPattern(template: string): string {
  const hole = 'logshipxtemplatexhole';
  return sanitizeIndexName(template.replace(/\{[^}]*\}/g, hole).replace(/%[YmdH]/g, hole)).replace(new RegExp(`(${hole})+`, 'g'), '*');
}
