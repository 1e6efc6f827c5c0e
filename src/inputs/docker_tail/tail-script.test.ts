import { describe, expect, it } from 'vitest';
import { ByteLineSplitter, type SplitLine } from '../docker/line-splitter.js';
import { tailCommand } from './tail-script.js';

describe('tail wrapper command', () => {
  it('passes path, inode, offset and fingerprint as arguments, never inside the script', () => {
    expect(tailCommand('/x y.log', '77', 10, 'ab'.repeat(16)).slice(3)).toEqual(['logship-tail', '/x y.log', '77', '10', 'ab'.repeat(16)]);
    expect(tailCommand('/x y.log', 'any', 0).slice(3)).toEqual(['logship-tail', '/x y.log', 'any', '0', '-']);
  });
});

describe('ByteLineSplitter', () => {
  function split(chunks: string[], max = 100, offset = 0): SplitLine[] {
    const s = new ByteLineSplitter(max, offset);
    const out: SplitLine[] = [];
    for (const c of chunks) s.push(Buffer.from(c), (l) => out.push(l));
    return out;
  }

  it('keeps byte offsets across chunks that follow write() calls, not lines', () => {
    expect(split(['ab', 'c\nde\n', 'f'], 100, 10)).toEqual([
      { text: 'abc', start: 10, end: 14 },
      { text: 'de', start: 14, end: 17 },
    ]);
  });

  it('counts multi-byte characters in bytes and strips CR', () => {
    expect(split(['é\r\n'])).toEqual([{ text: 'é', start: 0, end: 4 }]);
  });

  it('cuts a long line and flags it, keeping the offset exact', () => {
    expect(split(['0123456789\n'], 4)).toEqual([{ text: '0123', start: 0, end: 11, originalBytes: 10 }]);
  });

  it('decodes whole lines in place and joins a partial line with its rest, offsets exact either way', () => {
    expect(split(['a\nbb\ncc', 'c\r\nd\n', 'long-line\nok\n'], 4)).toEqual([
      { text: 'a', start: 0, end: 2 },
      { text: 'bb', start: 2, end: 5 },
      { text: 'ccc', start: 5, end: 10 },
      { text: 'd', start: 10, end: 12 },
      { text: 'long', start: 12, end: 22, originalBytes: 9 },
      { text: 'ok', start: 22, end: 25 },
    ]);
  });

  it('flushes a partial last line up to the next byte, without a newline to count', () => {
    const s = new ByteLineSplitter(100, 5);
    const out: SplitLine[] = [];
    s.push(Buffer.from('a\nbc'), (l) => out.push(l));
    expect(s.nextOffset).toBe(9);
    s.flush((l) => out.push(l));
    expect(out).toEqual([
      { text: 'a', start: 5, end: 7 },
      { text: 'bc', start: 7, end: 9 },
    ]);
    expect(s.nextOffset).toBe(9);
  });
});
