import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/core/record.js';
import { docker, removeContainersWithLabel, runContainer, uniqueLabel, waitForExit } from '../helpers/docker-cli.js';
import { readRecords } from '../helpers/output-file.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

// Docker cuts a line into pieces of 16,384 raw bytes and json-file stores every byte that is not
// valid UTF-8 as U+FFFD (3 bytes), also the halves of a character the cut went through: such a
// piece is stored, and sent by the API, as 16,386 to 49,152 bytes. Every line here must still come
// out as one record, in mode api and in mode file, TTY or not.

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const PIECE = 16 * 1024;
const MODES = ['api', 'file'] as const;
type Mode = (typeof MODES)[number];

/** Bytes a container writes, and the busybox sh that writes them. */
interface Segment {
  sh: string;
  raw: Buffer;
}

const octal = (byte: number): string => `\\${byte.toString(8).padStart(3, '0')}`;
const lit = (bytes: Buffer | string): Segment => {
  const raw = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  return { sh: `printf '${[...raw].map(octal).join('')}'`, raw };
};
const rep = (byte: number, count: number): Segment => ({ sh: `head -c ${count} /dev/zero | tr '\\0' '${octal(byte)}'`, raw: Buffer.alloc(count, byte) });
/** "abc<0xE9>d" again and again: text with a Latin-1 byte every five. */
const mixed = (count: number): Segment => ({ sh: `yes abcX | head -c ${count} | tr 'X\\n' '\\351d'`, raw: Buffer.from('abc\xe9d'.repeat(Math.ceil(count / 5)), 'latin1').subarray(0, count) });

interface Line {
  segments: Segment[];
  stderr?: boolean;
  /** The last output of the container, without a newline. */
  unterminated?: boolean;
}

function script(lines: Line[]): string {
  return lines.map((l) => `{ ${l.segments.map((s) => s.sh).join('; ')};${l.unterminated ? '' : ' echo;'} }${l.stderr ? ' >&2' : ''}`).join('; ');
}

const strict = new TextDecoder('utf-8', { fatal: true });

/** Go's way (json-file's encoder): every byte that does not start a valid UTF-8 sequence becomes U+FFFD. */
function goReplaced(bytes: Buffer): string {
  let text = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length > 0 && i + length <= bytes.length) {
      try {
        text += strict.decode(bytes.subarray(i, i + length));
        i += length;
        continue;
      } catch {
        // not a valid sequence: one replacement for this byte
      }
    }
    text += '\uFFFD';
    i += 1;
  }
  return text;
}

/** The message Docker makes of a line: cut into 16 KiB pieces, each stored as valid UTF-8. A TTY adds "\r" before the "\n". */
function expectedMessage(line: Line, tty: boolean): string {
  const raw = Buffer.concat([...line.segments.map((s) => s.raw), Buffer.from(tty && !line.unterminated ? '\r' : '')]);
  let text = '';
  for (let i = 0; i < raw.length; i += PIECE) text += goReplaced(raw.subarray(i, i + PIECE));
  return tty && !line.unterminated ? text.replace(/\r$/, '') : text;
}

/** Short enough to read in a failure, exact enough to tell any two lines apart. */
function summary(message: string): string {
  const replaced = message.split('\uFFFD').length - 1;
  return `${message.length} chars, ${replaced} U+FFFD, ${JSON.stringify(message.slice(0, 10))}…${JSON.stringify(message.slice(-6))} ${createHash('sha256').update(message).digest('hex').slice(0, 10)}`;
}

const EURO = Buffer.from('€');
const CHARS = [Buffer.from('é'), EURO, Buffer.from('😀')];

/** A 2-, 3- or 4-byte character starting 1, 2 or 3 bytes before the end of the first piece, and again of the second. */
function acrossBoundaries(char: Buffer, before: number): Line {
  const tag = `u${char.length}k${before} `;
  return {
    segments: [lit(tag), rep(0x61, PIECE - before - tag.length), lit(char), rep(0x62, PIECE - char.length), lit(char), lit(' end')],
  };
}

const LONG_LINES: Line[] = [
  { segments: [lit('L40 '), rep(0xe9, 40 * 1024 - 4)] },
  { segments: [lit('M70 '), mixed(70 * 1024 - 4)], stderr: true },
  ...CHARS.flatMap((char) => [1, 2, 3].map((before) => acrossBoundaries(char, before))),
  { segments: [lit('after the long lines')] },
];

/** Last lines without a newline: short, a single piece, and remainders stored as 16 KiB or more. */
const LAST_LINES: Record<string, Line[]> = {
  short: [{ segments: [lit('first')] }, { segments: [lit('short end')], unterminated: true }],
  latin: [{ segments: [lit('first')] }, { segments: [rep(0xe9, 10_000)], unterminated: true }],
  piece: [{ segments: [lit('first')] }, { segments: [rep(0x61, PIECE)], unterminated: true }],
  long: [{ segments: [lit('first')] }, { segments: [rep(0xe9, 40_000)], unterminated: true }],
};

function pipeline(label: string, out: string, mode: Mode): string {
  return `api: { enabled: false }
inputs:
  - type: docker_logs
    mode: ${mode}
    include: { labels: ["${label}"] }
outputs:
  - type: file
    path: ${out}
`;
}

interface Run {
  mode: Mode;
  out: string;
  stateDir: string;
  label: string;
}

/** A shipper in one mode; started again on the same state and output with `restart`. */
async function start(run: Run): Promise<Shipper> {
  const s = Shipper.run(pipeline(run.label, run.out, run.mode), run.stateDir);
  cleanups.push(() => s.stop());
  await s.ready();
  return s;
}

async function shippers(label: string): Promise<Array<Run & { shipper: Shipper }>> {
  return Promise.all(
    MODES.map(async (mode) => {
      const dir = tempDir();
      const run = { mode, out: join(dir, 'out.jsonl'), stateDir: join(dir, 'state'), label };
      return { ...run, shipper: await start(run) };
    }),
  );
}

/** Records once there are at least `count` and no more came for 1.5 s (or the time is up). */
async function settled(path: string, count: number, timeoutMs = 30_000): Promise<LogRecord[]> {
  const deadline = Date.now() + timeoutMs;
  let last = -1;
  let stableSince = Date.now();
  for (;;) {
    const records = readRecords(path);
    if (records.length !== last) {
      last = records.length;
      stableSince = Date.now();
    }
    if ((records.length >= count && Date.now() - stableSince >= 1500) || Date.now() > deadline) return records;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The messages of one container's stream, summarised. */
function messagesOf(records: LogRecord[], id: string, stream: string): string[] {
  return records.filter((r) => r.container.id === id && r.stream === stream).map((r) => summary(r.message));
}

function expectedOf(lines: Line[], tty: boolean, stream: 'stdout' | 'stderr'): string[] {
  return lines.filter((l) => tty || (stream === 'stderr') === (l.stderr ?? false)).map((l) => summary(expectedMessage(l, tty)));
}

describe('docker_logs: long lines whose 16 KiB pieces Docker stored with U+FFFD come out as one record each', () => {
  it('40 and 70 KiB lines of Latin-1 bytes, and 2-, 3- and 4-byte characters across every position of a piece boundary, TTY or not', async () => {
    const label = uniqueLabel();
    cleanups.push(() => removeContainersWithLabel(label));
    const runs = await shippers(label);
    const plain = await runContainer({ label, script: script(LONG_LINES) });
    const tty = await runContainer({ label, tty: true, script: script(LONG_LINES) });
    await waitForExit(plain);
    await waitForExit(tty);
    const want = {
      stdout: expectedOf(LONG_LINES, false, 'stdout'),
      stderr: expectedOf(LONG_LINES, false, 'stderr'),
      tty: expectedOf(LONG_LINES, true, 'stdout'),
    };
    // the cases are what they claim: pieces longer than 16,384 bytes, characters cut in two
    expect(want.stdout.filter((s) => s.includes(' 0 U+FFFD'))).toHaveLength(4);
    const got = [];
    for (const run of runs) {
      const records = await settled(run.out, LONG_LINES.length * 2);
      got.push({ mode: run.mode, records: records.length, stdout: messagesOf(records, plain, 'stdout'), stderr: messagesOf(records, plain, 'stderr'), tty: messagesOf(records, tty, 'tty') });
    }
    expect(got).toEqual(runs.map((run) => ({ mode: run.mode, records: LONG_LINES.length * 2, ...want })));
  });

  it('the last output without a newline is still delivered whole: short, one 16 KiB piece, and remainders stored as 16 KiB or more', async () => {
    const label = uniqueLabel();
    cleanups.push(() => removeContainersWithLabel(label));
    const runs = await shippers(label);
    const cases: Array<{ name: string; tty: boolean; id: string; lines: Line[] }> = [];
    for (const [name, lines] of Object.entries(LAST_LINES)) {
      for (const tty of [false, true]) cases.push({ name, tty, lines, id: await runContainer({ label, tty, script: script(lines) }) });
    }
    for (const c of cases) await waitForExit(c.id);
    const got = [];
    for (const run of runs) {
      const records = await settled(run.out, cases.length * 2);
      got.push({ mode: run.mode, records: records.length, cases: cases.map((c) => ({ name: c.name, tty: c.tty, messages: messagesOf(records, c.id, c.tty ? 'tty' : 'stdout') })) });
    }
    const want = cases.map((c) => ({ name: c.name, tty: c.tty, messages: expectedOf(c.lines, c.tty, 'stdout') }));
    expect(got).toEqual(runs.map((run) => ({ mode: run.mode, records: cases.length * 2, cases: want })));
  });

  it('a restarted container whose runs each end without a newline, read in one go after a shipper restart: each run keeps its own lines', async () => {
    const label = uniqueLabel();
    cleanups.push(() => removeContainersWithLabel(label));
    const counted = 'n=$(cat /tmp/runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/runs; echo "run $n"';
    const endings = { latin: rep(0xe9, 6000), piece: rep(0x61, PIECE) };
    const runs = await shippers(label);
    const ids = await Promise.all(Object.values(endings).map((end) => runContainer({ label, script: `${counted}; ${end.sh}` })));
    for (const id of ids) await waitForExit(id);
    for (const run of runs) {
      await settled(run.out, ids.length * 2);
      await run.shipper.stop();
    }
    // two more runs while no shipper reads: the next one reads both in one go, from its checkpoint
    for (let i = 0; i < 2; i += 1) {
      for (const id of ids) await docker('start', id);
      for (const id of ids) await waitForExit(id);
    }
    await Promise.all(runs.map((run) => start(run)));
    const want = Object.values(endings).map((end) => [1, 2, 3].flatMap((n) => [summary(`run ${n}`), summary(expectedMessage({ segments: [end], unterminated: true }, false))]));
    const got = [];
    for (const run of runs) {
      const records = await settled(run.out, ids.length * 6);
      got.push({ mode: run.mode, lines: ids.map((id) => messagesOf(records, id, 'stdout')) });
    }
    expect(got).toEqual(runs.map((run) => ({ mode: run.mode, lines: want })));
  });
});
