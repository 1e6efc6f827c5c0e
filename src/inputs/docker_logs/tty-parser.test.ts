import { describe, expect, it } from 'vitest';
import type { LogMessage } from './log-message.js';
import { randomChunks, ts } from './test-frames.js';
import { TtyParser } from './tty-parser.js';

function parse(chunks: Buffer[], flush = false): Array<[string, string, boolean]> {
  const out: LogMessage[] = [];
  const p = new TtyParser((m) => out.push(m));
  for (const c of chunks) p.push(c);
  if (flush) p.flush();
  return out.map((m) => [m.timestamp, m.content.toString(), m.terminated]);
}

describe('TtyParser', () => {
  const raw = Buffer.from(`${ts(1, 1)} first\r\n${ts(1, 2)} second line\r\n${ts(1, 3)} \r\n`);
  const expected: Array<[string, string, boolean]> = [
    [ts(1, 1), 'first', true],
    [ts(1, 2), 'second line', true],
    [ts(1, 3), '', true],
  ];

  it('splits the raw stream into lines and strips CRLF', () => {
    expect(parse([raw])).toEqual(expected);
  });

  it.each([1, 5, 99])('gives the same lines across random chunk boundaries (seed %i)', (seed) => {
    expect(parse(randomChunks(raw, seed, 7))).toEqual(expected);
  });

  it('ends a message after 16 KiB of content, as the daemon cut it', () => {
    const piece = 'y'.repeat(16 * 1024);
    const out = parse([Buffer.from(`${ts(2, 0)} ${piece}${ts(2, 0)} end\r\n`)]);
    expect(out.map(([, text, terminated]) => [text.length, terminated])).toEqual([[16384, false], [3, true]]);
  });

  it('emits an unterminated last line only when flushed at the end of a finished log', () => {
    const tail = Buffer.from(`${ts(3, 0)} no newline`);
    expect(parse([tail])).toEqual([]);
    expect(parse([tail], true)).toEqual([[ts(3, 0), 'no newline', true]]);
  });
});
