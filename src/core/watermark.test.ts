import { describe, expect, it } from 'vitest';
import { Watermark } from './watermark.js';

describe('Watermark', () => {
  it('advances only over contiguous settled records, whatever order they settle in', () => {
    const w = new Watermark<number>();
    const seqs = [10, 20, 30, 40].map((p) => w.add(p));
    w.settle(seqs[2] as number);
    w.settle(seqs[1] as number);
    expect(w.value).toBeUndefined();
    expect(w.oldestPending).toBe(10);
    w.settle(seqs[0] as number);
    expect(w.value).toBe(30);
    expect(w.oldestPending).toBe(40);
    w.settle(seqs[3] as number);
    expect(w.value).toBe(40);
    expect(w.pendingCount).toBe(0);
  });

  it('starts from a restored position and ignores settling twice', () => {
    const w = new Watermark<number>(5);
    const a = w.add(6);
    expect(w.value).toBe(5);
    expect(w.settle(a)).toBe(true);
    expect(w.settle(a)).toBe(false);
    expect(w.value).toBe(6);
  });

  it('stays correct across internal compaction', () => {
    const w = new Watermark<number>();
    const seqs: number[] = [];
    for (let i = 0; i < 10_000; i++) seqs.push(w.add(i));
    for (let i = 0; i < 10_000; i += 2) w.settle(seqs[i] as number);
    expect(w.value).toBe(0);
    for (let i = 1; i < 9_999; i += 2) w.settle(seqs[i] as number);
    expect(w.value).toBe(9_998);
    for (let i = 0; i < 5_000; i++) seqs.push(w.add(10_000 + i));
    w.settle(seqs[9_999] as number);
    expect(w.value).toBe(9_999);
    for (let i = 10_000; i < 15_000; i++) w.settle(seqs[i] as number);
    expect(w.value).toBe(14_999);
  });
});
