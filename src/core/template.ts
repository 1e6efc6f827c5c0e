import type { LogRecord } from './record.js';

/** Renders text with `{field.path}` placeholders from a record; `{{` and `}}` are literal braces. */
export type Template = (record: LogRecord) => string;

type Part = string | string[];

/** Compiles once; rendering walks precomputed paths (templates run for every record). */
export function compileTemplate(text: string): Template {
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if ((c === '{' || c === '}') && text[i + 1] === c) {
      literal += c;
      i += 1;
    } else if (c === '{') {
      const end = text.indexOf('}', i);
      if (end < 0) throw new Error(`unclosed "{" at position ${i + 1} — write {field.path}, or {{ for a literal brace`);
      const path = text.slice(i + 1, end).trim();
      if (!/^[A-Za-z0-9_@-]+(\.[A-Za-z0-9_@/-]+)*$/.test(path)) throw new Error(`"{${path}}" is not a field path — write e.g. {container.name}`);
      if (literal) parts.push(literal);
      literal = '';
      parts.push(path.split('.'));
      i = end;
    } else {
      literal += c;
    }
  }
  if (literal) parts.push(literal);
  if (parts.every((p) => typeof p === 'string')) {
    const constant = parts.join('');
    return () => constant;
  }
  return (record) => {
    let out = '';
    for (const part of parts) out += typeof part === 'string' ? part : fieldText(record, part);
    return out;
  };
}

/** The value at a path as text; missing values render empty, objects as JSON. */
export function fieldText(record: LogRecord, path: readonly string[]): string {
  let value: unknown = record;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return '';
    value = (value as Record<string, unknown>)[key];
  }
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/** A zod refinement message for template options, or undefined when the template compiles. */
export function templateProblem(text: string): string | undefined {
  try {
    compileTemplate(text);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
