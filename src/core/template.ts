import { recordTag, recordTimestamp, type LogRecord, type PipelineEvent } from './record.js';

/** Renders text with `{field.path}` placeholders from a record; `{{` and `}}` are literal braces. */
export type Template = (record: LogRecord) => string;

/** The same, rendered from an event in flight. */
export interface EventTemplate {
  (event: PipelineEvent): string;
  /** It renders the same text for every event with the same sharedFields object. */
  readonly perSharedFields: boolean;
}

type Part = string | string[];

/** Compiles once; rendering walks precomputed paths (templates run for every record). */
export function compileTemplate(text: string): Template {
  return renderParts(parseTemplate(text));
}

/** Fields an event's sharedFields never hold. */
const PER_RECORD_FIELDS = new Set(['@timestamp', 'message', 'log']);

/**
 * A template rendered from events, without building records an input builds only on demand
 * (docker_logs): `{@timestamp}` and `{tag}` come from the event; other fields, from its
 * sharedFields when it has them, and a template of those alone renders once per sharedFields
 * object. Fields only a record holds (message, log) build it.
 */
export function compileEventTemplate(text: string): EventTemplate {
  const parts = parseTemplate(text);
  const render = renderParts(parts);
  const fields = parts.filter((p): p is string[] => typeof p !== 'string');
  const isTimestamp = (path: string[]): boolean => path.length === 1 && path[0] === '@timestamp';
  if (fields.some((path) => !isTimestamp(path) && PER_RECORD_FIELDS.has(path[0] as string))) return Object.assign((event: PipelineEvent) => render(event.record), { perSharedFields: false });
  const timed = fields.some(isTimestamp);
  const tagAndTime = fields.every((path) => isTimestamp(path) || (path.length === 1 && path[0] === 'tag'));
  const perShared = new WeakMap<object, string>();
  const rendered = (event: PipelineEvent): string => {
    const shared = event.sharedFields;
    if (shared === undefined && !tagAndTime) return render(event.record);
    if (shared !== undefined && !timed) {
      let out = perShared.get(shared);
      if (out === undefined) {
        out = render(shared as LogRecord);
        perShared.set(shared, out);
      }
      return out;
    }
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else if (isTimestamp(part)) out += valueText(recordTimestamp(event));
      else out += shared ? fieldText(shared as LogRecord, part) : valueText(recordTag(event));
    }
    return out;
  };
  return Object.assign(rendered, { perSharedFields: !timed });
}

function parseTemplate(text: string): Part[] {
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
  return parts;
}

function renderParts(parts: Part[]): Template {
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
  return valueText(value);
}

function valueText(value: unknown): string {
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
