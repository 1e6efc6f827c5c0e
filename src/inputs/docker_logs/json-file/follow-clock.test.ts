import { describe, expect, it } from 'vitest';
import { FollowClock } from './follow-clock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('FollowClock', () => {
  it('calls each wake asked for within the coalescing delay once, however often it was asked', async () => {
    const clock = new FollowClock(30, 1000);
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    clock.soon(a);
    clock.soon(b);
    clock.soon(a);
    expect(calls).toEqual([]);
    await sleep(80);
    expect(calls).toEqual(['a', 'b']);
    clock.soon(b);
    await sleep(80);
    expect(calls).toEqual(['a', 'b', 'b']);
  });

  it('ticks its members with one timer, and stops ticking when the last one leaves', async () => {
    const clock = new FollowClock(10, 15);
    const ticks = { a: 0, b: 0 };
    const a = { tick: () => void (ticks.a += 1) };
    const b = { tick: () => void (ticks.b += 1) };
    clock.add(a);
    clock.add(b);
    await sleep(100);
    expect(ticks.a).toBeGreaterThanOrEqual(3);
    expect(ticks.b).toBe(ticks.a);
    clock.delete(a);
    const aBefore = ticks.a;
    const bBefore = ticks.b;
    await sleep(60);
    expect(ticks.a).toBe(aBefore);
    expect(ticks.b).toBeGreaterThan(bBefore);
    clock.delete(b);
    expect(clock.size).toBe(0);
    const bAfter = ticks.b;
    await sleep(60);
    expect(ticks.b).toBe(bAfter);
  });
});
