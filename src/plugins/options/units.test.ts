import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { byteSize, byteSizeIn, duration, durationIn, MAX_TIMER_MS } from './units.js';

function problem(schema: z.ZodTypeAny, value: unknown): string | undefined {
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  const issue = result.error.issues[0];
  if (issue?.code === 'invalid_union') return issue.unionErrors.flatMap((e) => e.issues).find((i) => i.code === 'custom')?.message ?? issue.message;
  return issue?.message;
}

describe('duration', () => {
  it.each([
    ['720h, longer than a Node.js timer can wait', '720h'],
    ['Infinity (YAML .inf)', Infinity],
    ['NaN (YAML .nan)', NaN],
    ['1e308', 1e308],
    ['a number of ms above the timer limit', MAX_TIMER_MS + 1],
    ['negative', -1],
    ['zero', 0],
    ['zero after rounding', '0.4ms'],
  ])('rejects %s', (_what, value) => {
    expect(problem(duration, value)).toBeDefined();
  });

  it('says what the limit is and why, on one line', () => {
    const message = problem(duration, '720h') ?? '';
    expect(message).toMatch(/between 1ms and 2147483647ms/);
    expect(message).toMatch(/Node\.js/);
    expect(message).not.toContain('\n');
  });

  it.each([['10s', 10_000], ['1.5s', 1500], [250, 250], ['596h', 596 * 3_600_000], [MAX_TIMER_MS, MAX_TIMER_MS]])('accepts %s', (value, ms) => {
    expect(duration.parse(value)).toBe(ms);
  });

  it('takes zero where a bound allows it', () => {
    expect(durationIn({ min: 0 }).parse(0)).toBe(0);
    expect(durationIn({ min: 0 }).parse('0ms')).toBe(0);
  });

  it('applies an option\'s own bounds', () => {
    const linger = durationIn({ min: 0, max: 60_000 });
    expect(problem(linger, '2m')).toMatch(/between 0ms and 1m/);
    expect(linger.parse('1m')).toBe(60_000);
  });
});

describe('byteSize', () => {
  it.each([
    ['"0KiB" (zero)', '0KiB'],
    ['zero after rounding', '0.0001KiB'],
    ['0', 0],
    ['negative', -5],
    ['Infinity', Infinity],
    ['1e308', 1e308],
    ['a number beyond 2^53', 1e23],
    ['a string beyond 2^53', '99999999999999999999999'],
    ['a fraction of a byte', 1.5],
  ])('rejects %s', (_what, value) => {
    expect(problem(byteSize, value)).toBeDefined();
  });

  it('applies an option\'s own maximum, naming it in units', () => {
    const size = byteSizeIn({ max: 256 * 1024 ** 2 });
    expect(problem(size, '1GiB')).toMatch(/between 1 B and 256 MiB/);
    expect(size.parse('256MiB')).toBe(256 * 1024 ** 2);
  });

  it.each([['16MiB', 16 * 1024 ** 2], ['0.5KiB', 512], ['5MB', 5e6], [1, 1]])('accepts %s', (value, bytes) => {
    expect(byteSize.parse(value)).toBe(bytes);
  });
});
