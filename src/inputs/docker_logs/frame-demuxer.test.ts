import { describe, expect, it } from 'vitest';
import { FrameDemuxer } from './frame-demuxer.js';
import type { LogMessage } from './log-message.js';
import { frame, randomChunks, ts } from './test-frames.js';

function demux(chunks: Buffer[]): LogMessage[] {
  const out: LogMessage[] = [];
  const d = new FrameDemuxer((m) => out.push(m));
  for (const c of chunks) d.push(c);
  return out;
}

describe('FrameDemuxer', () => {
  const stream = Buffer.concat([
    frame(1, `${ts(1, 5)} hello\n`),
    frame(2, `${ts(1, 6)} oops\n`),
    frame(1, `${ts(1, 7)} \n`),
    frame(1, `${ts(1, 8)} last line without newline`),
  ]);
  const expected = [
    { stream: 'stdout', timestamp: ts(1, 5), text: 'hello', terminated: true },
    { stream: 'stderr', timestamp: ts(1, 6), text: 'oops', terminated: true },
    { stream: 'stdout', timestamp: ts(1, 7), text: '', terminated: true },
    { stream: 'stdout', timestamp: ts(1, 8), text: 'last line without newline', terminated: true },
  ];
  const simplify = (ms: LogMessage[]) => ms.map((m) => ({ stream: m.stream, timestamp: m.timestamp, text: m.content.toString(), terminated: m.terminated }));

  it('decodes frames delivered whole', () => {
    expect(simplify(demux([stream]))).toEqual(expected);
  });

  it.each([1, 2, 3, 7, 42, 1234])('decodes the same frames split at random chunk boundaries (seed %i)', (seed) => {
    expect(simplify(demux(randomChunks(stream, seed, 9)))).toEqual(expected);
  });

  it('decodes one byte at a time', () => {
    const bytes = [...stream].map((b) => Buffer.from([b]));
    expect(simplify(demux(bytes))).toEqual(expected);
  });

  it('handles 200,000 frames in one chunk without recursion', () => {
    const frames: Buffer[] = [];
    for (let i = 0; i < 200_000; i++) frames.push(frame(i % 2 === 0 ? 1 : 2, `${ts(2, i)} line ${i}\n`));
    const out = demux([Buffer.concat(frames)]);
    expect(out).toHaveLength(200_000);
    expect(out[199_999]?.content.toString()).toBe('line 199999');
    expect(out[199_999]?.stream).toBe('stderr');
  });

  it('marks a 16 KiB piece without newline as a cut line and keeps everything else whole', () => {
    const piece = 'x'.repeat(16 * 1024);
    const out = demux([frame(1, `${ts(3, 1)} ${piece}`), frame(1, `${ts(3, 1)} tail\n`)]);
    expect(out.map((m) => [m.content.length, m.terminated])).toEqual([[16384, false], [4, true]]);
  });

  // json-file stores each invalid byte of a 16 KiB piece as U+FFFD (3 bytes), and the API sends
  // that text: a piece comes as 16,384 bytes or more, never fewer (measured, dockerd 20.10)
  const R = '\uFFFD';
  it.each([
    ['a piece of valid text', 16384, false, 'x'.repeat(16384)],
    ['a piece ending in a 2-byte character cut after its first byte', 16386, false, `${'x'.repeat(16383)}${R}`],
    ['a piece ending in a 3-byte character cut after 2 bytes', 16388, false, `${'x'.repeat(16382)}${R}${R}`],
    ['a piece ending in a 4-byte character cut after 3 bytes', 16390, false, `${'x'.repeat(16381)}${R}${R}${R}`],
    ['a piece of Latin-1 bytes', 49152, false, R.repeat(16384)],
    ['the last output, one byte short of a piece', 16383, true, 'x'.repeat(16383)],
    ['the last output, short, with U+FFFD', 15000, true, R.repeat(5000)],
    ['the last output stored as more than 16 KiB (it may go on: the end of the log tells)', 30000, false, R.repeat(10000)],
    ['a line with its newline, longer than a piece', 18000, true, `${R.repeat(6000)}\n`],
    ['an empty line', 0, true, '\n'],
  ])('%s: %i bytes, terminated %s', (_name, bytes, terminated, text) => {
    const [message] = demux([frame(1, `${ts(3, 2)} ${text}`)]);
    expect([message?.content.length, message?.terminated]).toEqual([bytes, terminated]);
  });

  it('keeps CR and invalid bytes as they are, stripping only the newline', () => {
    const out = demux([frame(1, Buffer.concat([Buffer.from(`${ts(4, 0)} a\r`), Buffer.from([0xff]), Buffer.from('\n')]))]);
    expect([...(out[0]?.content ?? [])]).toEqual([0x61, 0x0d, 0xff]);
  });

  it('drops a torn frame at the end of a stream on flush', () => {
    const whole = frame(1, `${ts(5, 0)} complete\n`);
    const torn = frame(1, `${ts(5, 1)} torn\n`).subarray(0, 12);
    const out: LogMessage[] = [];
    const d = new FrameDemuxer((m) => out.push(m));
    d.push(Buffer.concat([whole, torn]));
    expect(d.pendingBytes).toBeGreaterThan(0);
    d.flush();
    expect(d.pendingBytes).toBe(0);
    d.push(frame(2, `${ts(5, 2)} next\n`));
    expect(out.map((m) => m.content.toString())).toEqual(['complete', 'next']);
  });

  it('reports frames without a timestamp and goes on', () => {
    const problems: string[] = [];
    const out: LogMessage[] = [];
    const d = new FrameDemuxer((m) => out.push(m), (r) => problems.push(r));
    d.push(Buffer.concat([frame(1, 'no timestamp here\n'), frame(1, `${ts(6, 0)} ok\n`)]));
    expect(out.map((m) => m.content.toString())).toEqual(['ok']);
    expect(problems).toHaveLength(1);
  });
});
