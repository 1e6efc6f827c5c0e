import { recordToJson } from './record-json.js';
import type { LogRecord } from './record.js';

/** Nesting kept when a record cannot be serialised whole; deeper values are replaced by a note. */
export const SAFE_JSON_DEPTH = 32;
const DEEPER = `[nested deeper than ${SAFE_JSON_DEPTH} levels: left out]`;

/**
 * A record's JSON for places that must never fail (the dead-letter file, the tap): the record as
 * outputs write it when it can be serialised; else a copy cut at SAFE_JSON_DEPTH levels (nesting
 * deep enough to overflow the stack), which keeps the fields that identify it.
 */
export function recordJsonOrCut(record: unknown): { json: string; cut: boolean } {
  try {
    return { json: recordToJson(record as LogRecord), cut: false };
  } catch {
    // falls through: the record itself is the problem
  }
  try {
    return { json: JSON.stringify(cutDepth(record, 0)) ?? 'null', cut: true };
  } catch (err) {
    // a value too large for one string: say what it was
    return { json: JSON.stringify({ unserialisable: (err as Error).message }), cut: true };
  }
}

function cutDepth(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth >= SAFE_JSON_DEPTH) return DEEPER;
  if (Array.isArray(value)) return value.map((item) => cutDepth(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) out[key] = cutDepth(inner, depth + 1);
  return out;
}
