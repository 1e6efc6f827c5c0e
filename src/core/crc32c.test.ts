import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

describe('crc32c', () => {
  it.each([
    ['', 0x00000000],
    ['a', 0xc1d04330],
    ['123456789', 0xe3069283],
    ['The quick brown fox jumps over the lazy dog', 0x22620404],
  ])('checksums %j', (text, expected) => {
    expect(crc32c(Buffer.from(text))).toBe(expected);
  });

  it('continues over pieces as over the whole', () => {
    const bytes = Buffer.from(Array.from({ length: 1037 }, (_, i) => (i * 31) & 0xff));
    const whole = crc32c(bytes);
    for (const cut of [0, 1, 3, 4, 5, 512, 1036, 1037]) {
      expect(crc32c(bytes.subarray(cut), crc32c(bytes.subarray(0, cut)))).toBe(whole);
    }
  });
});
