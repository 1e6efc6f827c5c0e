import { describe, expect, it } from 'vitest';
import { chunksBySize } from '../../core/chunks.js';
import { BulkOperations } from './bulk-operations.js';

describe('BulkOperations', () => {
  const sizes = [10, 30, 5, 100, 5, 6, 5, 40, 60];
  function operations(): BulkOperations {
    const ops = new BulkOperations(sizes.length);
    let at = 0;
    let text = '';
    sizes.forEach((size, i) => {
      const action = `a${i}\n`;
      const document = `${String(i).repeat(size - action.length - 1)}\n`;
      ops.add(i * 2, at, at + action.length, at + size);
      text += action + document;
      at += size;
    });
    ops.setBody(Buffer.from(text));
    return ops;
  }

  it('cuts ranges as chunksBySize cuts the same sizes', () => {
    for (const max of [1, 10, 35, 50, 120, 1000]) {
      const expected = [...chunksBySize(sizes.map((size, i) => ({ size, i })), max, (o) => o.size)].map((c) => [c[0]?.i, (c.at(-1)?.i ?? 0) + 1]);
      expect(operations().ranges(max).map((r) => [r.from, r.to])).toEqual(expected);
    }
  });

  it('gives each range its lines, each operation its document and batch index', () => {
    const ops = operations();
    expect(ops.lines({ from: 1, to: 3 }).toString()).toBe(`a1\n${'1'.repeat(26)}\na2\n${'2'.repeat(1)}\n`);
    expect(ops.document(3)).toBe('3'.repeat(96));
    expect(ops.batchIndex(4)).toBe(8);
    expect(ops.length).toBe(sizes.length);
  });
});
