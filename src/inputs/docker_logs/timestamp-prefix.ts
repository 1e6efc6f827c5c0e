import { normalizeTimestamp } from '../../core/timestamp.js';

const SPACE = 0x20;

/** Splits "<RFC3339> <content>" as sent with timestamps=1; undefined when the prefix is not a timestamp. */
export function splitTimestamp(payload: Buffer): { timestamp: string; content: Buffer } | undefined {
  const space = payload.indexOf(SPACE);
  if (space <= 0 || space > 40) return undefined;
  const timestamp = normalizeTimestamp(payload.toString('latin1', 0, space));
  if (!timestamp) return undefined;
  return { timestamp, content: payload.subarray(space + 1) };
}
