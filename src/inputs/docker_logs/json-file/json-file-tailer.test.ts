import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FilePosition } from '../checkpoint.js';
import { FollowClock } from './follow-clock.js';
import { JsonFileTailer } from './json-file-tailer.js';
import type { ReadPosition } from './read-position.js';

/** Writes like Docker's json-file driver: appends entries, rotates at maxBytes keeping maxFiles. */
class FakeJsonLog {
  readonly path: string;
  private n = 0;
  constructor(dir: string, private readonly maxBytes: number, private readonly maxFiles: number) {
    this.path = join(dir, 'c-json.log');
    writeFileSync(this.path, '');
  }
  write(count: number): void {
    for (let i = 0; i < count; i += 1) {
      this.n += 1;
      const ns = String(this.n).padStart(9, '0');
      appendFileSync(this.path, `{"log":"line ${this.n}\\n","stream":"stdout","time":"2026-11-29T07:00:00.${ns}Z"}\n`);
      if (statSync(this.path).size >= this.maxBytes) this.rotate();
    }
  }
  rotate(): void {
    rmSync(`${this.path}.${this.maxFiles - 1}`, { force: true });
    for (let i = this.maxFiles - 2; i >= 1; i -= 1) if (existsSync(`${this.path}.${i}`)) renameSync(`${this.path}.${i}`, `${this.path}.${i + 1}`);
    renameSync(this.path, `${this.path}.1`);
    writeFileSync(this.path, '');
  }
}

function tailer(log: FakeJsonLog, seen: string[], positions: ReadPosition[], signal: AbortSignal): JsonFileTailer {
  return new JsonFileTailer({
    logPath: log.path, tty: false, signal, pollMs: 20,
    onMessage: (m, file, end, entryBytes) => {
      seen.push(m.content.toString());
      positions.push({ dev: file.dev, ino: file.ino, first: file.first ?? '', order: file.order, offset: end, entryBytes });
    },
    paused: () => false, waitForSpace: async () => undefined, onInvalid: () => undefined,
  });
}

/** Follows the log while `rounds` times `perRound` entries are written to it; returns what was read. */
async function followWhileWriting(log: FakeJsonLog, rounds: number, perRound: number): Promise<string[]> {
  const seen: string[] = [];
  const t = tailer(log, seen, [], new AbortController().signal);
  t.open(undefined);
  const reading = t.read(true);
  for (let round = 0; round < rounds; round += 1) {
    log.write(perRound);
    await new Promise((r) => setTimeout(r, 5));
  }
  t.stopFollowing();
  await reading;
  await t.close();
  return seen;
}

describe('JsonFileTailer', () => {
  it('reads every entry once, in order, through rotations while following', async () => {
    const log = new FakeJsonLog(mkdtempSync(join(tmpdir(), 'jf-')), 2000, 3);
    log.write(10);
    expect(await followWhileWriting(log, 20, 7)).toEqual(Array.from({ length: 150 }, (_, i) => `line ${i + 1}`));
  });

  it('a file Docker deletes (max-file) after it was opened is still read to its end', async () => {
    const log = new FakeJsonLog(mkdtempSync(join(tmpdir(), 'jf-')), 1500, 2);
    log.write(30);
    const seen: string[] = [];
    const abort = new AbortController();
    const t = tailer(log, seen, [], abort.signal);
    t.open(undefined);
    // three rotations before the first read: the files opened above are deleted meanwhile
    log.write(60);
    await t.read(false);
    await t.close();
    // what existed at open() plus what is still there now: the only gap is what was written and
    // rotated away entirely between two looks, which a reader cannot see
    expect(seen.slice(0, 30)).toEqual(Array.from({ length: 30 }, (_, i) => `line ${i + 1}`));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('resumes at a checkpointed file and offset, also after that file was rotated', async () => {
    const log = new FakeJsonLog(mkdtempSync(join(tmpdir(), 'jf-')), 4000, 5);
    log.write(20);
    const first: string[] = [];
    const positions: ReadPosition[] = [];
    const abort = new AbortController();
    const a = tailer(log, first, positions, abort.signal);
    a.open(undefined);
    await a.read(false);
    await a.close();
    const at = positions[11] as ReadPosition;
    const checkpoint: FilePosition = { dev: at.dev, ino: at.ino, offset: at.offset, first: at.first };
    log.write(40); // rotates: the checkpointed file is now …log.1 or older
    const second: string[] = [];
    const b = tailer(log, second, [], abort.signal);
    expect(b.open(checkpoint)).toBe(true);
    await b.read(false);
    await b.close();
    expect(second).toEqual(Array.from({ length: 48 }, (_, i) => `line ${i + 13}`));
  });

  it('reads a log of many chunks (the next read while one is parsed) with every position exact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jf-'));
    const path = join(dir, 'c-json.log');
    // entries of varied length, a few with escapes, and every 1,000th 40 KiB long: longer than the
    // room a chunk read ahead keeps for the entry the previous chunk cut
    const text = (i: number) => `entry ${i} ${'p'.repeat(i % 97)}${i % 1000 === 999 ? 'L'.repeat(40 * 1024) : ''}${i % 50 === 0 ? '\\"quoted\\"' : ''}`;
    const entries = Array.from({ length: 12_000 }, (_, i) => `{"log":"${text(i)}\\n","stream":"${i % 7 ? 'stdout' : 'stderr'}","time":"2026-11-29T07:00:00.${String(i + 1).padStart(9, '0')}Z"}\n`);
    writeFileSync(path, entries.join(''));
    expect(statSync(path).size).toBeGreaterThan(7 * 256 * 1024);
    const seen: string[] = [];
    const ends: number[] = [];
    const abort = new AbortController();
    const t = new JsonFileTailer({
      logPath: path, tty: false, signal: abort.signal, pollMs: 20,
      onMessage: (m, _file, end) => {
        seen.push(`${m.stream} ${m.content.toString()}`);
        ends.push(end);
      },
      paused: () => false, waitForSpace: async () => undefined, onInvalid: (r) => seen.push(`invalid: ${r}`),
    });
    t.open(undefined);
    await t.read(false);
    await t.close();
    expect(seen).toEqual(entries.map((_, i) => `${i % 7 ? 'stdout' : 'stderr'} ${text(i).replace(/\\"/g, '"')}`));
    let offset = 0;
    expect(ends).toEqual(entries.map((e) => (offset += Buffer.byteLength(e))));
  });

  it('follows rotations of files several chunks long', async () => {
    const log = new FakeJsonLog(mkdtempSync(join(tmpdir(), 'jf-')), 700 * 1024, 4);
    expect(await followWhileWriting(log, 12, 2000)).toEqual(Array.from({ length: 24_000 }, (_, i) => `line ${i + 1}`));
  });

  it('many tailers paused by backpressure at once (more than read ahead at a time) each read every entry once', async () => {
    const logs = Array.from({ length: 7 }, () => new FakeJsonLog(mkdtempSync(join(tmpdir(), 'jf-')), 1 << 30, 2));
    for (const log of logs) log.write(12_000);
    const abort = new AbortController();
    const results = await Promise.all(
      logs.map(async (log) => {
        const seen: string[] = [];
        let chunks = 0;
        const t = new JsonFileTailer({
          logPath: log.path, tty: false, signal: abort.signal, pollMs: 20, onMessage: (m) => seen.push(m.content.toString()),
          // every other chunk pauses the tailer for a moment, holding what it read ahead
          paused: () => (chunks += 1) % 2 === 0, waitForSpace: () => new Promise((r) => setTimeout(r, 3)), onInvalid: (r) => seen.push(`invalid: ${r}`),
        });
        t.open(undefined);
        await t.read(false);
        await t.close();
        return seen;
      }),
    );
    for (const seen of results) expect(seen).toEqual(Array.from({ length: 12_000 }, (_, i) => `line ${i + 1}`));
  });

  it('a followed log that grew without a file-system event is read at the next tick', async () => {
    const log = new FakeJsonLog(mkdtempSync(join(tmpdir(), 'jf-')), 1 << 30, 2);
    log.write(2);
    const seen: string[] = [];
    // inotify's wake-ups come an hour late here: only the clock's look at the file can find the line
    const clock = new FollowClock(3_600_000, 20);
    const t = new JsonFileTailer({
      logPath: log.path, tty: false, signal: new AbortController().signal, clock, onMessage: (m) => seen.push(m.content.toString()),
      paused: () => false, waitForSpace: async () => undefined, onInvalid: (r) => seen.push(`invalid: ${r}`),
    });
    t.open(undefined);
    const reading = t.read(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['line 1', 'line 2']);
    log.write(1);
    for (let i = 0; i < 50 && seen.length < 3; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual(['line 1', 'line 2', 'line 3']);
    t.stopFollowing();
    await reading;
    await t.close();
    expect(clock.size).toBe(0);
  });

  it.each([
    // the clock never looks (an hour between ticks): only inotify's events can wake the tailer
    ['by inotify alone, every line another process writes is read at once: none waits for the clock', 2, 3_600_000],
    // growth checks and inotify's late wake-ups cross: a wake-up meant for an earlier wait must not unhook the current one
    ['with growth checks crossing inotify\'s wake-ups, every line another process writes is read', 30, 2],
  ])('followed %s', async (_name, coalesceMs, tickMs) => {
    const log = new FakeJsonLog(mkdtempSync(join(tmpdir(), 'jf-')), 1 << 30, 2);
    const seen: string[] = [];
    const clock = new FollowClock(coalesceMs, tickMs);
    const t = new JsonFileTailer({
      logPath: log.path, tty: false, signal: new AbortController().signal, clock,
      onMessage: (m) => {
        seen.push(m.content.toString());
        // a slow consumer widens the moments in which a write can land between a read and the wait
        const until = performance.now() + 0.3;
        while (performance.now() < until);
      },
      paused: () => false, waitForSpace: async () => undefined, onInvalid: (r) => seen.push(`invalid: ${r}`),
    });
    t.open(undefined);
    const reading = t.read(true);
    const lines = 600;
    const writer = `const fs = require('node:fs'); const pause = new Int32Array(new SharedArrayBuffer(4));
      for (let n = 1; n <= ${lines}; n += 1) {
        fs.appendFileSync(${JSON.stringify(log.path)}, '{"log":"line ' + n + '\\\\n","stream":"stdout","time":"2026-11-29T07:00:00.' + String(n).padStart(9, '0') + 'Z"}\\n');
        if (n % 3 === 0) Atomics.wait(pause, 0, 0, n % 7);
      }`;
    const child = spawn(process.execPath, ['-e', writer], { stdio: 'inherit' });
    await new Promise((r) => child.on('exit', r));
    for (let i = 0; i < 100 && seen.length < lines; i += 1) await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual(Array.from({ length: lines }, (_, k) => `line ${k + 1}`));
    t.stopFollowing();
    await reading;
    await t.close();
  });

  it('holds a torn last entry until the writer finishes it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jf-'));
    const path = join(dir, 'c-json.log');
    writeFileSync(path, '{"log":"whole\\n","stream":"stdout","time":"2026-11-29T07:00:00.1Z"}\n{"log":"half');
    const seen: string[] = [];
    const abort = new AbortController();
    const t = new JsonFileTailer({
      logPath: path, tty: false, signal: abort.signal, pollMs: 20, onMessage: (m) => seen.push(m.content.toString()),
      paused: () => false, waitForSpace: async () => undefined, onInvalid: (r) => seen.push(`invalid: ${r}`),
    });
    t.open(undefined);
    await t.read(false);
    expect(seen).toEqual(['whole']);
    appendFileSync(path, ' done\\n","stream":"stdout","time":"2026-11-29T07:00:00.2Z"}\n');
    await t.read(false);
    await t.close();
    expect(seen).toEqual(['whole', 'half done']);
  });
});
