import * as lz4 from 'lz4js';
import { describe, expect, it } from 'vitest';
import { lz4Frame } from './lz4-frame.js';

describe('lz4Frame', () => {
  it.each([0, 5, 1000, 64 * 1024, 200_000])('round-trips %i bytes as independent blocks', (size) => {
    const input = Buffer.from(Array.from({ length: size }, (_, i) => (i % 251 < 120 ? 65 + (i % 7) : i % 256)));
    const frame = lz4Frame(input);
    expect(frame.readUInt32LE(0)).toBe(0x184d2204);
    expect(frame[4]).toBe(0x60);
    expect(Buffer.from(lz4.decompress(frame)).equals(input)).toBe(true);
  });
});
