import { describe, expect, it } from 'vitest';
import { comparePositions, laterPosition } from './source-position.js';

describe('source positions', () => {
  it.each([
    [{ at: '2026-01-01T00:00:00.000000001Z', n: 1 }, { at: '2026-01-01T00:00:00.000000002Z', n: 1 }, -1],
    [{ at: '2026-01-01T00:00:00.000000002Z', n: 1 }, { at: '2026-01-01T00:00:00.000000001Z', n: 9 }, 1],
    [{ at: 't', n: 2 }, { at: 't', n: 3 }, -1],
    [{ at: 't', n: 3 }, { at: 't', n: 3 }, 0],
    [{ at: '', n: 1_000_000 }, { at: '', n: 999 }, 1],
  ])('%o against %o: %i', (a, b, sign) => {
    expect(Math.sign(comparePositions(a, b))).toBe(sign);
  });

  it('keeps the later of two', () => {
    const a = { at: '', n: 5 };
    const b = { at: '', n: 7 };
    expect(laterPosition(undefined, a)).toBe(a);
    expect(laterPosition(a, b)).toBe(b);
    expect(laterPosition(b, a)).toBe(b);
  });
});
