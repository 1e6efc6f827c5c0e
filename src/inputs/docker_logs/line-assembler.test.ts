import { describe, expect, it } from 'vitest';
import { LineAssembler } from './line-assembler.js';
import { PIECE_BYTES, type LogMessage } from './log-message.js';
import { ts } from './test-frames.js';

const message = (text: string, terminated: boolean, timestamp = ts(1, 0)): LogMessage => ({
  stream: 'stdout', timestamp, content: Buffer.from(text), terminated,
});

/** What the daemon sends for one line: 16 KiB pieces, the last one terminated. */
function pieces(line: string): LogMessage[] {
  const out: LogMessage[] = [];
  for (let i = 0; i < line.length; i += PIECE_BYTES) {
    const part = line.slice(i, i + PIECE_BYTES);
    out.push(message(part, part.length < PIECE_BYTES));
  }
  if (line.length % PIECE_BYTES === 0) out.push(message('', true));
  return out;
}

describe('LineAssembler', () => {
  it.each([
    ['40,000 bytes: 16,384 + 16,384 + 7,232', 40_000],
    ['exactly 16,384 bytes: one piece and an empty terminator', 16_384],
    ['100 KiB', 100 * 1024],
  ])('joins the pieces of a %s line', (_name, size) => {
    const line = Array.from({ length: size }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
    const a = new LineAssembler(1024 * 1024);
    const results = pieces(line).map((m) => a.push(m));
    expect(results.slice(0, -1).every((r) => r === undefined)).toBe(true);
    expect(results.at(-1)).toEqual({ timestamp: ts(1, 0), text: line, bytes: size });
    expect(a.pendingSince).toBeUndefined();
  });

  it('cuts a line over the limit and says how long it was', () => {
    const line = 'z'.repeat(50_000);
    const a = new LineAssembler(20_000);
    const last = pieces(line).map((m) => a.push(m)).at(-1);
    expect(last?.text).toHaveLength(20_000);
    expect(last?.originalBytes).toBe(50_000);
  });

  it('cuts a single over-long message too', () => {
    const a = new LineAssembler(10);
    expect(a.push(message('0123456789abc', true))).toEqual({ timestamp: ts(1, 0), text: '0123456789', bytes: 10, originalBytes: 13 });
  });

  it('leaves a whole JSON-safe line as bytes: no string until a record needs one', () => {
    const a = new LineAssembler(1 << 20);
    const content = Buffer.from('ünï plain');
    expect(a.push({ ...message('', true), content, jsonSafe: true })).toEqual({ timestamp: ts(1, 0), bytes: content.length, source: content, start: 0, end: content.length, escaped: false });
    // an input that read the bytes in a larger buffer hands on the range, not a view of it
    const chunk = Buffer.from('xx ünï plain yy');
    expect(a.push({ ...message('', true), content: chunk.subarray(3, 13), jsonSafe: true, source: chunk, start: 3, end: 13 })).toEqual({ timestamp: ts(1, 0), bytes: 10, source: chunk, start: 3, end: 13, escaped: false });
    expect(a.push(message('ünï decoded', true))).toEqual({ timestamp: ts(1, 0), text: 'ünï decoded', bytes: 13 });
  });

  // pieces as json-file stores them: 16 KiB of raw bytes, each invalid byte (also the halves of a
  // character cut by the piece's end) as U+FFFD, so 16,384 bytes or more
  const R = '\uFFFD';
  it.each([
    ['a 2-byte character cut after 1 byte', [`${'a'.repeat(16383)}${R}`], `${R} end`, `${'a'.repeat(16383)}${R}${R} end`],
    ['a 3-byte character cut after 2 bytes', [`${'a'.repeat(16382)}${R}${R}`], `${R} end`, `${'a'.repeat(16382)}${R.repeat(3)} end`],
    ['a 4-byte character cut after 1 byte', [`${'a'.repeat(16383)}${R}`], `${R.repeat(3)} end`, `${'a'.repeat(16383)}${R.repeat(4)} end`],
    ['40 KiB of Latin-1 bytes', [R.repeat(16384), R.repeat(16384)], R.repeat(8192), R.repeat(40960)],
  ])('joins the pieces of a line with %s', (_name, cut, last, line) => {
    const a = new LineAssembler(1 << 20);
    for (const piece of cut) expect(a.push(message(piece, false))).toBeUndefined();
    expect(a.push(message(last, true))).toEqual({ timestamp: ts(1, 0), text: line, bytes: Buffer.byteLength(line) });
  });

  it.each([
    ['within the first piece', 20_000, 20_000],
    ['beyond the pieces', 200_000, 98_305],
  ])('cuts a line of U+FFFD pieces at the limit (%s), counting the bytes as sent', (_name, limit, kept) => {
    const a = new LineAssembler(limit);
    a.push(message(R.repeat(16384), false));
    a.push(message(R.repeat(16384), false));
    const line = a.push(message('x', true));
    expect([line?.bytes, line?.originalBytes]).toEqual([kept, kept < 98_305 ? 98_305 : undefined]);
  });

  it('finish() ends the line with the last piece taken (the container wrote no more); nothing when there is none', () => {
    const a = new LineAssembler(20_000);
    expect(a.finish()).toBeUndefined();
    a.push(message(R.repeat(16384), false, ts(4, 4)));
    a.push(message(R.repeat(6000), false, ts(4, 4)));
    const line = a.finish();
    expect([line?.timestamp, line?.bytes, line?.originalBytes, a.pendingSince]).toEqual([ts(4, 4), 20_000, 67_152, undefined]);
    expect(a.finish()).toBeUndefined();
  });

  it('reports the first timestamp of a line still being assembled, and forgets it on reset', () => {
    const a = new LineAssembler(1 << 20);
    a.push(message('p'.repeat(PIECE_BYTES), false, ts(7, 7)));
    expect(a.pendingSince).toBe(ts(7, 7));
    a.reset();
    expect(a.pendingSince).toBeUndefined();
  });
});
