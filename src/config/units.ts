import { z } from 'zod';

const BYTE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, k: 1024, m: 1024 ** 2, g: 1024 ** 3,
};
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A byte size: a number of bytes, or a string such as "16MiB", "512KiB", "5MB". */
export const byteSize = z.union([
  z.number().int().positive(),
  z.string().transform((text, ctx) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
    const factor = m ? BYTE_UNITS[(m[2] || 'b').toLowerCase()] : undefined;
    if (!m || factor === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not a byte size — write e.g. 16MiB, 512KiB or 1048576` });
      return z.NEVER;
    }
    return Math.round(Number(m[1]) * factor);
  }),
]);

/** A duration in milliseconds: a number of milliseconds, or a string such as "500ms", "10s", "2m". */
export const duration = z.union([
  z.number().nonnegative(),
  z.string().transform((text, ctx) => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)\s*$/.exec(text);
    const factor = m ? DURATION_UNITS[m[2] ?? ''] : undefined;
    if (!m || factor === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${text}" is not a duration — write e.g. 500ms, 10s or 2m` });
      return z.NEVER;
    }
    return Math.round(Number(m[1]) * factor);
  }),
]);
