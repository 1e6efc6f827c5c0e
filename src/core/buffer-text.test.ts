import { describe, expect, it } from 'vitest';
import { copySmall, writeAscii } from './buffer-text.js';

describe('buffer text helpers', () => {
  it('write ASCII and small constants where asked, returning the end', () => {
    const target = Buffer.alloc(16, 0x2e);
    expect(writeAscii(target, 1, 'abc')).toBe(4);
    expect(copySmall(target, 4, Buffer.from('{"k":'))).toBe(9);
    expect(target.toString('latin1')).toBe('.abc{"k":.......');
  });
});
