import type { LogRecord } from '../../core/record.js';
import type { SourcePosition } from '../../core/source-position.js';

/** What one spool frame's payload holds: a record and where it came from. */
export interface SpoolEntry {
  record: LogRecord;
  origin?: string;
  position?: SourcePosition;
}

/**
 * The entry in a frame's payload, or why it is not one. A good checksum only says the bytes are
 * the ones written: a bug of an older version, or a hand-edited spool, can still hold `null` or
 * text where a record should be, and handing that to an output would stop the shipper at every
 * start. Checked: what the output runner reads whatever the pipeline did to records (the router
 * only passes records with a text tag). Other fields may hold anything a transform put there:
 * outputs render any value or dead-letter the record.
 */
export function parseSpoolEntry(payload: Buffer): SpoolEntry | string {
  let entry: unknown;
  try {
    entry = JSON.parse(payload.toString('utf8'));
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  if (!isObject(entry)) return 'not a JSON object';
  const { record, origin, position } = entry;
  if (!isObject(record)) return 'its record is not an object';
  if (record.tag !== undefined && typeof record.tag !== 'string') return 'its record\'s tag is not text';
  if (origin !== undefined && typeof origin !== 'string') return 'its origin is not text';
  if (position !== undefined && !isPosition(position)) return 'its position is not a source, at and n';
  const parsed: SpoolEntry = { record: record as LogRecord };
  if (origin !== undefined) parsed.origin = origin;
  if (position !== undefined) parsed.position = position;
  return parsed;
}

function isPosition(value: unknown): value is SourcePosition {
  return isObject(value) && typeof value.source === 'string' && typeof value.at === 'string' && typeof value.n === 'number' && Number.isFinite(value.n);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
