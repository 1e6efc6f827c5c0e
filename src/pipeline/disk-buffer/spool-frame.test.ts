import { describe, expect, it } from 'vitest';
import { encodeFrame, scanFrame } from './spool-frame.js';

describe('spool frames', () => {
  const a = encodeFrame(Buffer.from('{"n":1}'));
  const b = encodeFrame(Buffer.from('{"n":2,"text":"é"}'));
  const both = Buffer.concat([a, b]);

  it('reads frames back one after the other', () => {
    const first = scanFrame(both, 0);
    expect(first.kind).toBe('frame');
    if (first.kind !== 'frame') return;
    expect(first.payload.toString()).toBe('{"n":1}');
    const second = scanFrame(both, first.end);
    expect(second.kind === 'frame' && second.payload.toString()).toBe('{"n":2,"text":"é"}');
    expect(scanFrame(both, both.length)).toEqual({ kind: 'incomplete' });
  });

  it.each([1, 5, 8, 12, b.length - 1])('a frame cut after %i bytes is incomplete (a torn write)', (cut) => {
    expect(scanFrame(Buffer.concat([a, b.subarray(0, cut)]), a.length)).toEqual({ kind: 'incomplete' });
  });

  it('a flipped payload byte is a checksum mismatch; an absurd length is corrupt', () => {
    const damaged = Buffer.from(both);
    damaged[a.length + 9] = damaged[a.length + 9]! ^ 0xff;
    expect(scanFrame(damaged, a.length)).toEqual({ kind: 'corrupt', reason: 'checksum mismatch' });
    const huge = Buffer.from(a);
    huge.writeUInt32BE(0xfffffff0, 0);
    expect(scanFrame(huge, 0).kind).toBe('corrupt');
  });
});
