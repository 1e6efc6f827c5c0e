import type { LogRecord } from './record.js';
import { compileTemplate } from './template.js';

/**
 * A tag from a template of record fields. Tags are dot-separated parts matched by globs: a part's
 * characters other than letters, digits, "_" and "-" become "_", and an empty part becomes "_".
 */
export function compileTagTemplate(text: string): (record: LogRecord) => string {
  const render = compileTemplate(text);
  return (record) =>
    render(record)
      .split('.')
      .map((part) => part.replace(/[^A-Za-z0-9_-]/g, '_') || '_')
      .join('.');
}
