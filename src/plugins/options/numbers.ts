import { z } from 'zod';

/**
 * Every numeric option has a lower and an upper bound: a value a YAML file can spell (.inf, 1e308,
 * a 23-digit number) but the code cannot use would otherwise pass validation and fail later,
 * as a 1 ms timer, an endless loop or a stack trace. The bounds are kept beside the schemas so
 * that `logship plugins` and the docs show them.
 */
const bounds = new WeakMap<z.ZodTypeAny, string>();

export function registerBounds(schema: z.ZodTypeAny, text: string): void {
  bounds.set(schema, text);
}

/** The bounds of an option, e.g. "1 – 65535", looking through default/optional/describe wrappers. */
export function boundsOf(schema: z.ZodTypeAny): string | undefined {
  let current: z.ZodTypeAny | undefined = schema;
  while (current) {
    const text = bounds.get(current);
    if (text !== undefined) return text;
    const def = current._def as { innerType?: z.ZodTypeAny; schema?: z.ZodTypeAny };
    current = def.innerType ?? def.schema;
  }
  return undefined;
}

/** A whole number from `min` to `max`. */
export function integerIn(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  const schema = z.number().int(message).min(min, message).max(max, message);
  registerBounds(schema, `${min} – ${max}`);
  return schema;
}

/** A finite number from `min` (or above it, when `above` is set) to `max`. */
export function numberIn(min: number, max: number, { above = false } = {}) {
  const message = `must be a number ${above ? `above ${min}` : `from ${min}`} up to ${max}`;
  const lower = z.number().finite(message);
  const schema = (above ? lower.gt(min, message) : lower.gte(min, message)).lte(max, message);
  registerBounds(schema, `${above ? '> ' : ''}${min} – ${max}`);
  return schema;
}

/** A TCP port, in the host:port texts of brokers and listen addresses. */
export function portProblem(text: string): string | undefined {
  const port = Number(/:(\d+)$/.exec(text)?.[1]);
  return Number.isInteger(port) && port >= 1 && port <= 65535 ? undefined : `port must be from 1 to 65535 (in "${text}")`;
}
