import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { splitLines as linesOf } from '../../bench/lib/docker.js';

const exec = promisify(execFile);

/**
 * The programs of test/programs/multiline/ print, to stderr, events of the kinds real Python,
 * Java and Go programs print (every stack trace by the runtime's own code), and to stdout one
 * line per event: how many lines it wrote (the manifest). A multiline preset must make each event
 * exactly one record.
 */
export const PROGRAMS = fileURLToPath(new URL('../programs/multiline/', import.meta.url));

/** The Go program's modes: how each process ends (a panic, a fatal error, a clean exit, …). */
export const GO_MODES = ['index', 'nilmap', 'nilptr', 'error', 'repanic', 'repanic-same', 'multiline', 'goroutine', 'deadlock', 'overflow', 'all', 'system', 'fatal', 'exit'] as const;

export interface BuiltPrograms {
  dir: string;
  javaClasses: string;
  goBinary: string;
}

/** Compiles Events.java (javac 17) and the Go program (static), side by side, once, into a new temporary folder. */
export async function buildPrograms(): Promise<BuiltPrograms> {
  const dir = mkdtempSync(join(tmpdir(), 'logship-programs-'));
  const javaClasses = join(dir, 'classes');
  const goBinary = join(dir, 'events-go');
  await Promise.all([
    exec('javac', ['--release', '17', '-d', javaClasses, join(PROGRAMS, 'Events.java')]),
    exec('go', ['build', '-trimpath', '-o', goBinary, '.'], { cwd: join(PROGRAMS, 'go'), env: { ...process.env, CGO_ENABLED: '0' } }),
  ]);
  return { dir, javaClasses, goBinary };
}

/** A program's output. A Go process that panics exits with 2: its output is what counts here. */
export async function runProgram(command: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec(command, args, { maxBuffer: 256 * 1024 * 1024 }).catch((err: { stdout?: string; stderr?: string; code?: unknown }) => {
    if (typeof err.code !== 'number' || err.stdout === undefined || err.stderr === undefined) throw err;
    return { stdout: err.stdout, stderr: err.stderr };
  });
}

/** A stream's text as lines, without the empty string after the last newline. */
export { linesOf };

/** The manifest's line counts. */
export function countsOf(manifest: string): number[] {
  return linesOf(manifest).map(Number);
}

/**
 * Cuts a program's stderr lines into its events: `counts` lines each, then, with `rest`, whatever
 * follows as one more event (a Go process's crash report, whose length it cannot count itself).
 */
export function eventsOf(lines: readonly string[], counts: readonly number[], rest = false): string[] {
  const events: string[] = [];
  let at = 0;
  for (const count of counts) {
    if (count < 1 || at + count > lines.length) throw new Error(`the manifest does not fit the output: ${count} lines at line ${at} of ${lines.length}`);
    events.push(lines.slice(at, at + count).join('\n'));
    at += count;
  }
  if (rest && at < lines.length) events.push(lines.slice(at).join('\n'));
  else if (at !== lines.length) throw new Error(`the manifest counts ${at} lines, the output has ${lines.length}`);
  return events;
}

/**
 * Go processes run one after another in one container write into one stream: it is cut where
 * each process's first line ("… process MODE starting") is, and each part into its events.
 */
export function goEventsOf(lines: readonly string[], manifests: readonly number[][]): string[] {
  const starts = lines.flatMap((line, i) => (/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d process \S+ starting$/.test(line) ? [i] : []));
  if (starts.length !== manifests.length || starts[0] !== 0) throw new Error(`${starts.length} processes started in the output, ${manifests.length} manifests`);
  return starts.flatMap((start, k) => eventsOf(lines.slice(start, starts[k + 1] ?? lines.length), manifests[k] ?? [], true));
}

export interface EventCheck {
  events: number;
  /** Events that came out as exactly one record of their own. */
  whole: number;
  /** Like "1,712 of 2,000 events (85.6 %)". */
  summary: string;
  /** The first events that did not, each with the records around where it should be. */
  examples: string[];
}

/** How many events came out as exactly one record (a record whose message is the event's whole text). */
export function checkEvents(events: readonly string[], records: readonly string[]): EventCheck {
  const available = new Map<string, number>();
  for (const record of records) available.set(record, (available.get(record) ?? 0) + 1);
  let whole = 0;
  const examples: string[] = [];
  for (const event of events) {
    const n = available.get(event) ?? 0;
    if (n > 0) {
      whole += 1;
      available.set(event, n - 1);
    } else if (examples.length < 3) {
      const firstLine = event.split('\n')[0] ?? '';
      const near = records.filter((r) => r.includes(firstLine)).slice(0, 2);
      examples.push(`event:\n${indent(event)}\ncame out as part of, or cut into:\n${near.map(indent).join('\n  ---\n') || '  (no record holds its first line)'}`);
    }
  }
  const percent = events.length ? ((100 * whole) / events.length).toFixed(1) : '100.0';
  return { events: events.length, whole, summary: `${whole.toLocaleString('en')} of ${events.length.toLocaleString('en')} events (${percent} %)`, examples };
}

function indent(text: string): string {
  const lines = text.split('\n');
  const shown = lines.length > 12 ? [...lines.slice(0, 6), `… ${lines.length - 10} lines …`, ...lines.slice(-4)] : lines;
  return shown.map((l) => `  | ${l}`).join('\n');
}
