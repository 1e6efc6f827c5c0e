import { describe, expect, it } from 'vitest';
import { TailFrameReader } from './tail-frames.js';

type Event = ['preamble', string] | ['header', string, number, number, string] | ['content', string] | ['invalid', string];

function read(chunks: Array<string | Buffer>): Event[] {
  const events: Event[] = [];
  const reader = new TailFrameReader({
    preamble: (line) => events.push(['preamble', line]),
    header: (inode, offset, length, fingerprint) => events.push(['header', inode, offset, length, fingerprint]),
    content: (bytes) => {
      const last = events.at(-1);
      if (last?.[0] === 'content') last[1] += bytes.toString('latin1');
      else events.push(['content', bytes.toString('latin1')]);
      return true;
    },
    invalid: (reason) => events.push(['invalid', reason]),
  });
  for (const chunk of chunks) reader.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  return events;
}

const FP = '0123456789abcdef0123456789abcdef';
const header = (inode: number, offset: number, length: number, fingerprint = '-'): string => `\0logship-tail ${inode} ${offset} ${length} ${fingerprint}\n`;

describe('TailFrameReader', () => {
  it('takes exactly the announced bytes as content, forged headers and all', () => {
    const content = `a\n${header(1, 999999, 0)}\0logship-tail 7 0\nb`;
    expect(read([header(7, 0, content.length) + content + header(7, content.length, 2) + 'c\n'])).toEqual([
      ['header', '7', 0, content.length, '-'],
      ['content', content],
      ['header', '7', content.length, 2, '-'],
      ['content', 'c\n'],
    ]);
  });

  it('reads frames split anywhere, header included, and empty frames', () => {
    const stream = header(12, 40, 3) + 'x\ny' + header(13, 0, 0) + header(13, 0, 1) + '\n';
    const oneByteAtATime = [...Buffer.from(stream, 'latin1')].map((b) => Buffer.from([b]));
    expect(read(oneByteAtATime)).toEqual([
      ['header', '12', 40, 3, '-'],
      ['content', 'x\ny'],
      ['header', '13', 0, 0, '-'],
      ['header', '13', 0, 1, '-'],
      ['content', '\n'],
    ]);
  });

  it('hands over the lines before the first header as they are', () => {
    expect(read(['OCI runtime exec failed: "sh": executable file not found\n', 'logship-tail missing dd\n'])).toEqual([
      ['preamble', 'OCI runtime exec failed: "sh": executable file not found'],
      ['preamble', 'logship-tail missing dd'],
    ]);
  });

  it('stops at anything but a header where a frame ends', () => {
    expect(read([header(1, 0, 2) + 'a\nb\n' + header(1, 4, 1) + 'c'])).toEqual([
      ['header', '1', 0, 2, '-'],
      ['content', 'a\n'],
      ['invalid', 'expected a frame header, got "b"'],
    ]);
    expect(read([header(1, 0, 0) + 'x'.repeat(200)])[1]?.[0]).toBe('invalid');
  });

  it('carries the file fingerprint, 32 hex digits or "-", and refuses any other', () => {
    expect(read([header(5, 64, 1, FP) + 'z'])).toEqual([
      ['header', '5', 64, 1, FP],
      ['content', 'z'],
    ]);
    expect(read([header(5, 0, 0) + header(5, 0, 0, 'ABC')])[1]?.[0]).toBe('invalid');
    expect(read([header(5, 0, 0) + `\0logship-tail 5 0 0\n`])[1]?.[0]).toBe('invalid');
  });
});
