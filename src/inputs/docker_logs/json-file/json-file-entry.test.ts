import { describe, expect, it } from 'vitest';
import { parseJsonFileEntry } from './json-file-entry.js';

/** An entry as Docker's json-file driver writes it (Go escapes <, > and & as \\u003c…). */
function entry(log: string, stream = 'stdout', time = '2026-11-29T06:40:00.123456789Z', attrs?: Record<string, string>): Buffer {
  const text = JSON.stringify(log).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return Buffer.from(`{"log":${text},"stream":"${stream}",${attrs ? `"attrs":${JSON.stringify(attrs)},` : ''}"time":"${time}"}`);
}

describe('parseJsonFileEntry', () => {
  const cases: Array<{ name: string; line: Buffer; tty?: boolean; expected: { stream: string; timestamp: string; text: string; terminated: boolean } | undefined }> = [
    { name: 'a plain line', line: entry('hello world\n'), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.123456789Z', text: 'hello world', terminated: true } },
    { name: 'stderr', line: entry('oops\n', 'stderr'), expected: { stream: 'stderr', timestamp: '2026-11-29T06:40:00.123456789Z', text: 'oops', terminated: true } },
    { name: 'trailing zeros trimmed from the time are padded back', line: entry('x\n', 'stdout', '2026-11-29T06:40:00.1234Z'), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.123400000Z', text: 'x', terminated: true } },
    { name: 'a whole second has no fraction at all', line: entry('x\n', 'stdout', '2026-11-29T06:40:00Z'), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.000000000Z', text: 'x', terminated: true } },
    { name: 'quotes, tabs, backslashes, HTML characters and UTF-8', line: entry('a "quoted" \\ path\t<b>&amp; ünï 😀\n'), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.123456789Z', text: 'a "quoted" \\ path\t<b>&amp; ünï 😀', terminated: true } },
    { name: 'a literal backslash-n is text, not a line end', line: entry('ends with \\n'), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.123456789Z', text: 'ends with \\n', terminated: true } },
    { name: 'an empty line', line: entry('\n'), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.123456789Z', text: '', terminated: true } },
    { name: 'a 16 KiB piece of a longer line', line: entry('y'.repeat(16384)), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.123456789Z', text: 'y'.repeat(16384), terminated: false } },
    { name: 'an unterminated last line (the container exited)', line: entry('last words'), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.123456789Z', text: 'last words', terminated: true } },
    // json-file stores each invalid byte of a 16 KiB piece as U+FFFD (3 bytes): pieces are 16,384 bytes or more
    { name: 'a piece ending in a 2-byte character cut after its first byte (16,386 bytes)', line: entry(`${'y'.repeat(16383)}\uFFFD`), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.123456789Z', text: `${'y'.repeat(16383)}\uFFFD`, terminated: false } },
    { name: 'a piece ending in a 4-byte character cut after 3 bytes (16,390 bytes)', line: entry(`${'y'.repeat(16381)}${'\uFFFD'.repeat(3)}`), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.123456789Z', text: `${'y'.repeat(16381)}${'\uFFFD'.repeat(3)}`, terminated: false } },
    { name: 'a piece of Latin-1 bytes (49,152 bytes)', line: entry('\uFFFD'.repeat(16384)), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.123456789Z', text: '\uFFFD'.repeat(16384), terminated: false } },
    { name: 'the rest of a line after its pieces, with its newline', line: entry('\uFFFD\uFFFD end\n'), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.123456789Z', text: '\uFFFD\uFFFD end', terminated: true } },
    { name: 'an unterminated last line one byte short of a piece', line: entry('y'.repeat(16383)), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.123456789Z', text: 'y'.repeat(16383), terminated: true } },
    { name: 'an unterminated last line stored as 16 KiB or more: it may go on (the end of the log tells)', line: entry('\uFFFD'.repeat(6000)), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.123456789Z', text: '\uFFFD'.repeat(6000), terminated: false } },
    { name: 'TTY: a piece with U+FFFD', line: entry(`${'y'.repeat(16383)}\uFFFD`), tty: true, expected: { stream: 'tty', timestamp: '2026-11-29T06:40:00.123456789Z', text: `${'y'.repeat(16383)}\uFFFD`, terminated: false } },
    { name: 'attrs from log-opts labels', line: entry('with attrs\n', 'stdout', '2026-11-29T06:40:00.5Z', { app: 'web' }), expected: { stream: 'stdout', timestamp: '2026-11-29T06:40:00.500000000Z', text: 'with attrs', terminated: true } },
    { name: 'TTY: one stream, \\r\\n loses its \\r', line: entry('prompt> ls\r\n'), tty: true, expected: { stream: 'tty', timestamp: '2026-11-29T06:40:00.123456789Z', text: 'prompt> ls', terminated: true } },
    { name: 'TTY: a \\r inside the line stays', line: entry('50%\r100%\r\n'), tty: true, expected: { stream: 'tty', timestamp: '2026-11-29T06:40:00.123456789Z', text: '50%\r100%', terminated: true } },
    { name: 'a torn line', line: Buffer.from('{"log":"cut off'), expected: undefined },
    { name: 'not JSON', line: Buffer.from('garbage'), expected: undefined },
    { name: 'a bad time', line: entry('x\n', 'stdout', 'yesterday'), expected: undefined },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const message = parseJsonFileEntry(c.line, c.tty ?? false);
      expect(message && { stream: message.stream, timestamp: message.timestamp, text: message.content.toString('utf8'), terminated: message.terminated }).toEqual(c.expected);
    });
  }

  it('parses an entry in the middle of a chunk without looking past its end', () => {
    const first = Buffer.from('{"log":"no stream key here, padding padding padding\\n","time":"2026-11-29T06:40:00.1Z"}');
    const second = entry('second\n');
    const data = Buffer.concat([first, Buffer.from('\n'), second, Buffer.from('\n')]);
    expect(parseJsonFileEntry(data, false, 0, first.length)).toBeUndefined();
    expect(parseJsonFileEntry(data, false, first.length + 1, first.length + 1 + second.length)?.content.toString()).toBe('second');
  });
});

describe('parseJsonFileEntry fast path', () => {
  it('takes every fraction length without falling back to JSON.parse', () => {
    const parse = JSON.parse;
    let calls = 0;
    JSON.parse = ((text: string) => {
      calls += 1;
      return parse(text) as unknown;
    }) as typeof JSON.parse;
    try {
      for (let digits = 0; digits <= 9; digits += 1) {
        const time = `2026-11-29T06:40:00${digits ? `.${'123456789'.slice(0, digits)}` : ''}Z`;
        const message = parseJsonFileEntry(entry('plain text\n', 'stdout', time), false);
        expect(message?.timestamp).toBe(`2026-11-29T06:40:00.${'123456789'.slice(0, digits).padEnd(9, '0')}Z`);
        expect(message?.jsonSafe).toBe(true);
      }
    } finally {
      JSON.parse = parse;
    }
    expect(calls).toBe(0);
  });
});

describe('parseJsonFileEntry: the JSON string of texts escaped only for quotes and backslashes', () => {
  it('gives, for random texts, the text JSON decodes, and the JSON string exactly when it is what JSON.stringify writes', () => {
    const alphabet = ['a', 'Z', ' ', '"', '\\', 'n', 'u', '/', '<', '&', '\t', '\r', '\u0001', '\u001b', 'ü', '😀', '\u2028', '{', ':'];
    let seed = 7;
    const random = (n: number): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % n);
    let withJson = 0;
    for (let round = 0; round < 3000; round += 1) {
      const text = Array.from({ length: 1 + random(24) }, () => alphabet[random(alphabet.length)]).join('');
      const line = entry(`${text}\n`);
      const message = parseJsonFileEntry(line, false);
      if (message?.contentBytes !== undefined) expect(message.contentBytes).toBe(Buffer.byteLength(text));
      expect(message?.content.toString('utf8')).toBe(text);
      if (message?.json) {
        withJson += 1;
        expect(message.json.toString('utf8')).toBe(JSON.stringify(text).slice(1, -1));
      } else {
        // only a text with another escape (or none at all: jsonSafe) goes without
        expect(message?.jsonSafe || [...text].some((c) => c < ' ' || '<>&\u2028'.includes(c)) || text.endsWith('\\')).toBe(true);
      }
    }
    expect(withJson).toBeGreaterThan(30);
  });
});
