import { describe, expect, it } from 'vitest';
import { auditNumbers, randomMoments } from './audit.js';

describe('soak audit', () => {
  it('counts missing, duplicated and unexpected lines', () => {
    const audit = auditNumbers(['c1 out 1', 'c1 out 1', 'c1 out 1', 'c1 file 1', 'c2 out 1', 'c3 out 1', 'hello'], 2, 1);
    expect(audit).toEqual({ present: 3, missing: 1, duplicated: 1, extraCopies: 2, unexpected: ['c3 out 1', 'hello'] });
  });

  it('spreads moments over the window, a gap apart', () => {
    let seed = 1;
    const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let run = 0; run < 100; run += 1) {
      const moments = randomMoments(5, 3000, 87_000, 4000, random);
      expect(moments).toHaveLength(5);
      expect(moments[0]).toBeGreaterThanOrEqual(3000);
      expect(moments[4]).toBeLessThanOrEqual(87_000);
      for (let i = 1; i < 5; i += 1) expect((moments[i] as number) - (moments[i - 1] as number)).toBeGreaterThanOrEqual(4000);
    }
    expect(() => randomMoments(5, 0, 1000, 400)).toThrow(/cannot fit/);
  });
});
