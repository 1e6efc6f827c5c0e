/**
 * Docker timestamps are RFC3339 with nanoseconds ("2026-11-28T22:09:01.123456789Z"). We keep them
 * as strings normalised to exactly nine fractional digits, so they compare correctly as strings
 * and keep their full precision (a JS number would not).
 */
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

export function normalizeTimestamp(text: string): string | undefined {
  // Docker's own form, nine digits and Z, is by far the most common: accept it without a regex
  if (text.length === 30 && text.charCodeAt(29) === 90 /* Z */ && text.charCodeAt(19) === 46 /* . */ && text.charCodeAt(10) === 84 /* T */) {
    return text;
  }
  // json-file's form: UTC, trailing zeros of the fraction trimmed ("…:05.12Z")
  if (isTrimmedUtc(text)) return `${text.slice(0, text.length - 1).padEnd(29, '0')}Z`;
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, base, fraction = '', zone] = m;
  if (zone === 'Z') return `${base}.${fraction.padEnd(9, '0')}Z`;
  const ms = Date.parse(`${base}${zone}`);
  if (Number.isNaN(ms)) return undefined;
  return `${new Date(ms).toISOString().slice(0, 19)}.${fraction.padEnd(9, '0')}Z`;
}

/** Where "YYYY-MM-DDTHH:MM:SS" has its separators. */
const SEPARATORS: ReadonlyArray<[number, number]> = [[4, 45], [7, 45], [10, 84], [13, 58], [16, 58], [19, 46]];

/** "YYYY-MM-DDTHH:MM:SS.f…Z" with one to eight fraction digits. */
function isTrimmedUtc(text: string): boolean {
  if (text.length < 22 || text.length > 29 || text.charCodeAt(text.length - 1) !== 90 /* Z */) return false;
  for (const [at, code] of SEPARATORS) if (text.charCodeAt(at) !== code) return false;
  return digitsOnly(text, 0, 4) && digitsOnly(text, 5, 7) && digitsOnly(text, 8, 10) && digitsOnly(text, 11, 13) && digitsOnly(text, 14, 16) && digitsOnly(text, 17, 19) && digitsOnly(text, 20, text.length - 1);
}

function digitsOnly(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Docker's `since`/`until` form: "<unix seconds>.<9 digits>", inclusive, minus `backSeconds`. */
export function toDockerSince(timestamp: string, backSeconds = 0): string {
  const seconds = Math.floor(Date.parse(`${timestamp.slice(0, 19)}Z`) / 1000) - backSeconds;
  if (seconds <= 0) return '0';
  return `${seconds}.${timestamp.slice(20, 29)}`;
}

/** The current time as a nanosecond RFC3339 string (for sources without their own timestamps). */
export function nowTimestamp(): string {
  const ns = process.hrtime.bigint() - START_HR + START_NS;
  const seconds = Number(ns / 1_000_000_000n);
  const fraction = String(Number(ns % 1_000_000_000n)).padStart(9, '0');
  // exec inputs stamp every line: format the seconds part once per second, not once per line
  if (seconds !== cachedSeconds) {
    cachedSeconds = seconds;
    cachedPrefix = new Date(seconds * 1000).toISOString().slice(0, 19);
  }
  return `${cachedPrefix}.${fraction}Z`;
}

let cachedSeconds = -1;
let cachedPrefix = '';

const START_NS = BigInt(Date.now()) * 1_000_000n;
const START_HR = process.hrtime.bigint();

/** Subtracts whole seconds from a normalised timestamp. */
export function minusSeconds(timestamp: string, seconds: number): string {
  const ms = Date.parse(`${timestamp.slice(0, 19)}Z`) - seconds * 1000;
  return `${new Date(Math.max(0, ms)).toISOString().slice(0, 19)}${timestamp.slice(19)}`;
}
