import { describe, expect, it } from 'vitest';
import { copyRange, copySmall, latin1Text, utf8Text, writeAscii } from './buffer-text.js';

describe('buffer text helpers', () => {
  it('slice exactly as toString does, invalid UTF-8 included', () => {
    const data = Buffer.from('xx2026-11-29T06:40:00.123456789Z ünï 😀', 'utf8');
    expect(latin1Text(data, 2, 32)).toBe(data.toString('latin1', 2, 32));
    expect(utf8Text(data, 2, data.length)).toBe(data.toString('utf8', 2, data.length));
    const invalid = Buffer.from([0x61, 0xff, 0xc3, 0x62, 0xe2, 0x82]);
    expect(utf8Text(invalid, 0, invalid.length)).toBe(invalid.toString('utf8'));
    expect(utf8Text(invalid, 1, 1)).toBe('');
  });

  it('write ASCII and small constants where asked, returning the end', () => {
    const target = Buffer.alloc(16, 0x2e);
    expect(writeAscii(target, 1, 'abc')).toBe(4);
    expect(copySmall(target, 4, Buffer.from('{"k":'))).toBe(9);
    expect(target.toString('latin1')).toBe('.abc{"k":.......');
  });

  it('copy a range of a larger buffer, short or long, returning the end', () => {
    const source = Buffer.from(`--${'x'.repeat(40)}|${'y'.repeat(200)}--`);
    for (const [start, end] of [[2, 43], [2, 244], [5, 5]] as const) {
      const target = Buffer.alloc(300, 0x2e);
      expect(copyRange(target, 7, source, start, end)).toBe(7 + end - start);
      expect(target.subarray(7, 7 + end - start).equals(source.subarray(start, end))).toBe(true);
      expect(target[6]).toBe(0x2e);
      expect(target[7 + end - start]).toBe(0x2e);
    }
  });
});
