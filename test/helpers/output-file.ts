import { existsSync, readFileSync } from 'node:fs';
import type { LogRecord } from '../../src/core/record.js';

export function readRecords(path: string): LogRecord[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  // the last element is '' after a complete line, or a line still being written: skip it
  lines.pop();
  return lines.filter(Boolean).map((line) => JSON.parse(line) as LogRecord);
}

/** Polls the output file until `done` says so; returns the records. */
export async function waitForRecords(path: string, done: (records: LogRecord[]) => boolean, timeoutMs = 60_000): Promise<LogRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const records = readRecords(path);
    if (done(records)) return records;
    if (Date.now() > deadline) return records;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Count of each message per container and stream: for exactly-once assertions. */
export function messageCounts(records: LogRecord[], containerId: string, stream: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of records) {
    if (r.container.id !== containerId || r.stream !== stream) continue;
    counts.set(r.message, (counts.get(r.message) ?? 0) + 1);
  }
  return counts;
}

/** Checks that `<prefix> 1..n` each appear exactly once; returns a readable summary of what is wrong. */
export function sequenceProblems(counts: Map<string, number>, prefix: string, n: number): { missing: number[]; duplicated: number[]; unexpected: string[] } {
  const missing: number[] = [];
  const duplicated: number[] = [];
  const expected = new Set<string>();
  for (let i = 1; i <= n; i++) {
    const message = `${prefix} ${i}`;
    expected.add(message);
    const c = counts.get(message) ?? 0;
    if (c === 0) missing.push(i);
    if (c > 1) duplicated.push(i);
  }
  const unexpected = [...counts.keys()].filter((m) => m.startsWith(`${prefix} `) && !expected.has(m)).slice(0, 10);
  return { missing: missing.slice(0, 20), duplicated: duplicated.slice(0, 20), unexpected };
}

// counting a growing file's lines: one implementation for the tests and the benchmarks, in the bench kit
export { LineCounter, waitForLineCount } from '../../bench/lib/output.js';
