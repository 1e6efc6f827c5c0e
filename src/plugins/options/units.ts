import { z } from 'zod';
import { registerBounds } from './numbers.js';

/**
 * Node's setTimeout cannot wait longer: anything above fires after 1 ms instead (with only a
 * TimeoutOverflowWarning), so a 720h interval would run 1000 times a second.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
export const KiB = 1024;
export const MiB = 1024 ** 2;
export const GiB = 1024 ** 3;
export const TiB = 1024 ** 4;

const BYTE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: KiB, mib: MiB, gib: GiB, k: KiB, m: MiB, g: GiB,
};
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export interface Range {
  min?: number;
  max?: number;
  /** The message for a value under `min`, when the reason for the minimum helps more than the range. */
  tooSmall?: string;
}

/**
 * A byte size: a number of bytes, or a string such as "16MiB", "512KiB", "5MB". Checked after
 * rounding, so "0KiB" and "0.0001KiB" are zero bytes, and zero is refused unless `min` allows it.
 */
export function byteSizeIn({ min = 1, max = Number.MAX_SAFE_INTEGER }: Range = {}) {
  const schema = z
    .union([
      z.number(),
      z.string().transform((text, ctx) => {
        const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
        const factor = m ? BYTE_UNITS[(m[2] || 'b').toLowerCase()] : undefined;
        if (!m || factor === undefined) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not a byte size — write e.g. 16MiB, 512KiB or 1048576`, fatal: true });
          return z.NEVER;
        }
        return Math.round(Number(m[1]) * factor);
      }),
    ])
    .superRefine((bytes, ctx) => {
      const range = `between ${formatBytes(min)} and ${formatBytes(max)}`;
      if (!Number.isInteger(bytes)) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be a whole number of bytes ${range}` });
      else if (bytes < min || bytes > max) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be ${range} (got ${formatBytes(bytes)})` });
    });
  registerBounds(schema, `${formatBytes(min)} – ${formatBytes(max)}`);
  return schema;
}

/** A duration in milliseconds: a number of milliseconds, or a string such as "500ms", "10s", "2m". */
export function durationIn({ min = 1, max = MAX_TIMER_MS, tooSmall }: Range = {}) {
  const upper = Math.min(max, MAX_TIMER_MS);
  const schema = z
    .union([
      z.number(),
      z.string().transform((text, ctx) => {
        const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text);
        const factor = m ? DURATION_UNITS[m[2] ?? ''] : undefined;
        if (!m || factor === undefined) {
          ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not a duration — write e.g. 500ms, 10s or 2m`, fatal: true });
          return z.NEVER;
        }
        return Math.round(Number(m[1]) * factor);
      }),
    ])
    .superRefine((ms, ctx) => {
      if (Number.isFinite(ms) && ms >= min && ms <= upper) return;
      if (tooSmall && ms < min) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: tooSmall });
        return;
      }
      const why = upper === MAX_TIMER_MS ? ' (about 24.8 days, the longest a Node.js timer can wait)' : '';
      const got = Number.isFinite(ms) ? ` (got ${formatDuration(ms)})` : '';
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be between ${formatDuration(min)} and ${formatDuration(upper)}${why}${got}` });
    });
  registerBounds(schema, `${formatDuration(min)} – ${formatDuration(upper)}`);
  return schema;
}

/** At least 1 byte; any size a JavaScript number holds exactly. Options with a sensible ceiling use byteSizeIn. */
export const byteSize = byteSizeIn();

/** At least 1 ms, at most what a Node.js timer can wait. Options where 0 means "no wait" use durationIn({ min: 0 }). */
export const duration = durationIn();

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes > Number.MAX_SAFE_INTEGER) return `${bytes} bytes`;
  for (const [unit, size] of [['TiB', TiB], ['GiB', GiB], ['MiB', MiB], ['KiB', KiB]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} B`;
}

export function formatDuration(ms: number): string {
  for (const [unit, size] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
