import { describe, expect, it } from 'vitest';
import { boundedMemo } from './bounded-memo.js';
import { chunksBySize } from './chunks.js';

describe('boundedMemo', () => {
  it('computes a key once, and starts over when full', () => {
    const calls: string[] = [];
    const upper = boundedMemo((k) => (calls.push(k), k.toUpperCase()), 2);
    expect([upper('a'), upper('a'), upper('b'), upper('a')]).toEqual(['A', 'A', 'B', 'A']);
    expect(calls).toEqual(['a', 'b']);
    upper('c'); // full: forgets a and b
    upper('a');
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
  });
});

describe('chunksBySize', () => {
  it('cuts consecutive pieces at the byte limit; an oversized item is a piece of its own', () => {
    expect([...chunksBySize([3, 3, 3, 10, 1, 1], 6, (n) => n)]).toEqual([[3, 3], [3], [10], [1, 1]]);
    expect([...chunksBySize([], 6, (n: number) => n)]).toEqual([]);
  });
});

describe('boundedMemo and keys from container output', () => {
  it('does not remember long keys: 10,000 of them would hold their text (and results) for ever', () => {
    let calls = 0;
    const json = boundedMemo((key) => {
      calls += 1;
      return JSON.stringify(key);
    });
    const long = 'k'.repeat(100_000);
    json(long);
    json(long);
    expect(calls).toBe(2);
    json('short');
    json('short');
    expect(calls).toBe(3);
  });
});

