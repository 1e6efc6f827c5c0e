/**
 * The times a parsed `timestamp_field` may give: 1970-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
 * Earlier is no log line's time (a negative epoch, year 0); later has no four-digit year.
 */
export const PARSED_TIME_RANGE = '1970–9999';
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** Epoch numbers below this are seconds (up to the year 5138), from it milliseconds (from 1973 on). */
const SECONDS_BELOW = 1e11;
/** Longer text is no time: nothing is scanned of a hostile megabyte. */
const MAX_TEXT = 64;

const ISO = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:[.,](\d{1,9}))?(Z|([+-])(\d\d):?(\d\d))?$/;

/**
 * A parsed time (ISO 8601 text, or epoch seconds/milliseconds) as logship's @timestamp form, 9
 * fraction digits; undefined for anything else — any JSON value, never an exception: not a number
 * or text, not a real calendar date and time (month 1–12, a day the month has, hour < 24,
 * minute < 60, second ≤ 60), or outside 1970–9999. A leap second (`23:59:60`) becomes the last
 * nanosecond of its minute, so order is kept.
 */
export function normalizeParsedTimestamp(value: unknown): string | undefined {
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string' || value.length > MAX_TEXT) return undefined;
  return fromIso(value.trim());
}

function fromEpoch(value: number): string | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  const ms = Math.floor(value < SECONDS_BELOW ? value * 1000 : value);
  if (ms > MAX_MS) return undefined;
  return `${new Date(ms).toISOString().slice(0, 23)}000000Z`;
}

function fromIso(text: string): string | undefined {
  const m = ISO.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  let fraction = (m[7] ?? '').padEnd(9, '0');
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 60) return undefined;
  let offsetMinutes = 0;
  if (m[9]) {
    const [offsetHours, offsetMins] = [Number(m[10]), Number(m[11])];
    if (offsetHours > 18 || offsetMins > 59) return undefined;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMins);
  }
  // a leap second: the last instant of its minute (Date cannot hold :60)
  if (second === 60) fraction = '999999999';
  const ms = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59)) - offsetMinutes * 60_000;
  if (year < 1970 || ms < 0 || ms > MAX_MS) return undefined;
  return `${new Date(ms).toISOString().slice(0, 19)}.${fraction}Z`;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}
