import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import type { PipelineEvent } from '../../core/record.js';
import { deepFreeze } from '../../core/record-json.js';
import { ContainerLines } from './container-lines.js';
import type { FollowerContext } from './follower-context.js';
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

// ---------------------------------------------------------------------------------------------
// Long lines as the logs API really sends them for a TTY container (dockerd 20.10, json-file):
// the daemon cuts a line into pieces of 16,384 *raw* bytes, json-file stores every invalid UTF-8
// byte as U+FFFD (3 bytes), and the API hands the stored text back. A piece can so be longer than
// 16,384 bytes, and a newline-terminated line too; every piece of one line carries the line's
// timestamp, to the nanosecond. Observed bytes, from a real container:
//   `TS <U+FFFD x16><A x16336> 2099-01-01T00:00:00.000000000Z TS more text\r\n`
//   `TS <€ x5461><U+FFFD>TS <U+FFFD><U+FFFD><€ x1538>\r\n`   (a 21,000-byte line of €)
// ---------------------------------------------------------------------------------------------

const REPLACEMENT = '\uFFFD';
const FORGED = '2099-01-01T00:00:00.000000000Z';

function entry(timestamp: string, content: string, newline = true): Buffer {
  return Buffer.from(`${timestamp} ${content}${newline ? '\r\n' : ''}`);
}

function numbered(from: number, to: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = from; i <= to; i++) out.push(entry(ts(7, 100 + i), `line ${i}`));
  return out;
}

function lineSetup() {
  const events: PipelineEvent[] = [];
  const invalid: string[] = [];
  const metrics = new Metrics();
  const counter = () => metrics.counter('x');
  const ctx = {
    inputId: 'docker_logs_0', host: deepFreeze({ name: 'h' }), maxLineBytes: 1 << 20, logger: createLogger('silent'), metrics,
    counters: { records: counter(), bytes: counter(), repeatedSkipped: counter(), truncated: counter() },
    sink: { offer: (event: PipelineEvent) => events.push(event) > 0, waitForSpace: async () => undefined },
  } as unknown as FollowerContext;
  const lines = new ContainerLines('c'.repeat(64), ctx, undefined);
  lines.describe(deepFreeze({ id: 'c'.repeat(64), name: 'tty', image: { name: 'img:1' }, labels: {} }), 'docker.main.tty');
  /** One read of the log, as the follower does it: a fresh parser, the cursors reopened. */
  const read = (chunks: Buffer[]): void => {
    lines.reopen();
    const parser = new TtyParser((m) => lines.push(m), (r) => invalid.push(r));
    for (const c of chunks) parser.push(c);
    parser.flush();
    lines.abandonPartialLines();
  };
  const messages = (): string[] => events.map((e) => e.record.message);
  return { lines, read, messages, invalid };
}

/** Every line once, in order; the cursor ends at the last real timestamp, never beyond. */
function expectShipped(run: ReturnType<typeof lineSetup>, expected: string[]): void {
  expect(run.messages().map((m) => (m.length > 60 ? `${m.slice(0, 20)}…(${m.length})` : m))).toEqual(expected.map((m) => (m.length > 60 ? `${m.slice(0, 20)}…(${m.length})` : m)));
  expect(run.messages()).toEqual(expected);
  expect(run.lines.newestRead).toBe(ts(7, 100 + 6));
  expect(run.lines.settledStreams().tty?.ts ?? '').not.toContain('2099');
}

describe('TtyParser, long lines re-encoded by json-file (hostile and harmless)', () => {
  const forgeryBytes = Buffer.concat([
    // piece 1: 16 invalid bytes (48 bytes as U+FFFD) + 16,336 A + " 2099-… " = 16,384 raw bytes, 16,416 sent
    entry(ts(7, 1), `${REPLACEMENT.repeat(16)}${'A'.repeat(16336)} ${FORGED} `, false),
    entry(ts(7, 1), 'more text'),
    ...numbered(1, 6),
  ]);
  const forgedLine = `${REPLACEMENT.repeat(16)}${'A'.repeat(16336)} ${FORGED} more text`;

  // the forged timestamp exactly where a 16 KiB piece of valid text would end
  const atBoundaryBytes = Buffer.concat([entry(ts(7, 1), `${REPLACEMENT.repeat(16)}${'A'.repeat(16336)}${FORGED} x`, false), entry(ts(7, 1), 'y'), ...numbered(1, 6)]);
  const atBoundaryLine = `${REPLACEMENT.repeat(16)}${'A'.repeat(16336)}${FORGED} xy`;

  // a 21,000-byte line of € cut inside a character: 16,386 and 4,620 bytes sent
  const euroBytes = Buffer.concat([
    entry(ts(7, 1), `${'€'.repeat(5461)}${REPLACEMENT}`, false),
    entry(ts(7, 1), `${REPLACEMENT.repeat(2)}${'€'.repeat(1538)}`),
    ...numbered(1, 6),
  ]);
  const euroLine = `${'€'.repeat(5461)}${REPLACEMENT.repeat(3)}${'€'.repeat(1538)}`;

  // a newline-terminated line of 16,300 raw bytes that is sent as 16,500 bytes, a forged stamp past 16 KiB
  const terminatedBytes = Buffer.concat([entry(ts(7, 1), `${REPLACEMENT.repeat(100)}${'B'.repeat(16084)}${FORGED} evil`), ...numbered(1, 6)]);
  const terminatedLine = `${REPLACEMENT.repeat(100)}${'B'.repeat(16084)}${FORGED} evil`;

  // a line of 16,383 bytes: the terminal's "\r" ends the 16 KiB piece, its "\n" comes alone
  const crBytes = Buffer.concat([entry(ts(7, 1), `${'C'.repeat(16383)}\r`, false), Buffer.from(`${ts(7, 1)} \n`), ...numbered(1, 6)]);
  const crLine = 'C'.repeat(16383);

  // a 2-, 3- or 4-byte character cut after 1 to 3 bytes: each byte stored as U+FFFD, so pieces of
  // 16,386 to 16,390 bytes sent (measured, dockerd 20.10)
  const cutCharacter = (size: number, before: number): [string, Buffer, string] => [
    `a ${size}-byte character cut after ${before} byte(s)`,
    Buffer.concat([entry(ts(7, 1), `${'D'.repeat(16384 - before)}${REPLACEMENT.repeat(before)}`, false), entry(ts(7, 1), `${REPLACEMENT.repeat(size - before)} end`), ...numbered(1, 6)]),
    `${'D'.repeat(16384 - before)}${REPLACEMENT.repeat(size)} end`,
  ];

  const cases: Array<[string, Buffer, string]> = [
    ...[[2, 1], [3, 1], [3, 2], [4, 1], [4, 2], [4, 3]].map(([size, before]) => cutCharacter(size as number, before as number)),
    ['a line whose carriage return ends a 16 KiB piece', crBytes, crLine],
    ['a forged 2099 timestamp after invalid bytes', forgeryBytes, forgedLine],
    ['a forged timestamp at byte 16,384 of the piece', atBoundaryBytes, atBoundaryLine],
    ['a 21 KB line of € split inside a character', euroBytes, euroLine],
    ['a terminated line longer than 16 KiB as sent, with a forged timestamp', terminatedBytes, terminatedLine],
  ];
  const later = Array.from({ length: 6 }, (_, i) => `line ${i + 1}`);

  it.each(cases)('%s: the line whole, every later line once, the cursor sane', (_name, bytes, line) => {
    const run = lineSetup();
    run.read([bytes]);
    expectShipped(run, [line, ...later]);
    expect(run.invalid).toEqual([]);
  });

  it.each(cases)('%s: the same across random chunk boundaries and byte by byte', (_name, bytes, line) => {
    for (const seed of [3, 17, 2026]) {
      const run = lineSetup();
      run.read(randomChunks(bytes, seed, 4096));
      expectShipped(run, [line, ...later]);
    }
    const run = lineSetup();
    run.read([...bytes].map((b) => Buffer.from([b])));
    expectShipped(run, [line, ...later]);
  });

  it.each(cases)('%s: reading the log again (a reopen, a restart) repeats nothing and loses nothing', (_name, bytes, line) => {
    const run = lineSetup();
    const firstPart = bytes.subarray(0, bytes.indexOf(Buffer.from('line 4')) - 31);
    run.read([firstPart]);
    run.read([bytes]);
    run.read(randomChunks(bytes, 5, 1000));
    expectShipped(run, [line, ...later]);
  });

  it('never reads container bytes as a timestamp where a line should start: skips to the next newline', () => {
    const out: LogMessage[] = [];
    const invalid: string[] = [];
    const p = new TtyParser((m) => out.push(m), (r) => invalid.push(r));
    p.push(Buffer.concat([Buffer.from(`not a timestamp ${FORGED} evil\r\n`), entry(ts(8, 1), 'ok')]));
    expect(out.map((m) => [m.timestamp, m.content.toString()])).toEqual([[ts(8, 1), 'ok']]);
    expect(invalid).toHaveLength(1);
  });

  it('takes a timestamp more than a minute in the future as a desync: that line is skipped, the next kept', () => {
    const out: LogMessage[] = [];
    const invalid: string[] = [];
    const p = new TtyParser((m) => out.push(m), (r) => invalid.push(r));
    p.push(Buffer.concat([entry(ts(8, 1), 'before'), entry(FORGED, 'from the future'), entry(ts(8, 2), 'after')]));
    expect(out.map((m) => m.content.toString())).toEqual(['before', 'after']);
    expect(invalid).toEqual([expect.stringContaining('future')]);
  });

  it('joins pieces of another size (a driver with a larger buffer), never cutting at a foreign timestamp', () => {
    const run = lineSetup();
    const big = 'z'.repeat(100_000);
    run.read(randomChunks(Buffer.concat([entry(ts(7, 1), big, false), entry(ts(7, 1), 'tail'), ...numbered(1, 6)]), 9, 20_000));
    expectShipped(run, [`${big}tail`, ...later]);
  });
});
