import { describe, expect, it } from 'vitest';
import { minusSeconds, normalizeTimestamp, toDockerSince } from './timestamp.js';

describe('timestamps', () => {
  it.each([
    ['2026-11-28T22:09:01.123456789Z', '2026-11-28T22:09:01.123456789Z'],
    ['2026-11-28T22:09:01.1234Z', '2026-11-28T22:09:01.123400000Z'],
    ['2026-11-28T22:09:01Z', '2026-11-28T22:09:01.000000000Z'],
    ['2026-11-28T23:09:01.5+01:00', '2026-11-28T22:09:01.500000000Z'],
    ['garbage', undefined],
  ])('normalises %s', (input, expected) => {
    expect(normalizeTimestamp(input)).toBe(expected);
  });

  it('builds Docker since values to the nanosecond, without float rounding', () => {
    expect(toDockerSince('2026-11-28T22:09:01.000000007Z')).toBe(`${Date.UTC(2026, 10, 28, 22, 9, 1) / 1000}.000000007`);
    expect(toDockerSince('1970-01-01T00:00:00.000000000Z')).toBe('0');
  });

  it('subtracts whole seconds keeping the fraction', () => {
    expect(minusSeconds('2026-11-28T22:09:01.123456789Z', 1)).toBe('2026-11-28T22:09:00.123456789Z');
    expect(minusSeconds('2026-11-28T00:00:00.5Z'.replace('.5Z', '.500000000Z'), 1)).toBe('2026-11-27T23:59:59.500000000Z');
  });
});
