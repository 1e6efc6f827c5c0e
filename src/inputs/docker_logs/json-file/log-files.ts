import { closeSync, fstatSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseJsonFileEntry } from './json-file-entry.js';

export interface LogFile {
  path: string;
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

/**
 * A json-file log and its rotated predecessors, oldest first: …-json.log.2, …-json.log.1, …-json.log.
 * Compressed ones (log-opt compress=true) are left out: they cannot be followed. Synchronous on
 * purpose: a rotation must be noticed at once, not after a thread-pool round trip (Docker deletes
 * the oldest file a few rotations later, which can be a fraction of a second for a fast writer).
 */
export function listLogFiles(logPath: string): LogFile[] {
  const dir = dirname(logPath);
  const base = basename(logPath);
  const rotated = readdirSync(dir)
    .map((name) => ({ name, index: name === base ? 0 : name.startsWith(`${base}.`) ? Number(name.slice(base.length + 1)) : Number.NaN }))
    .filter((f) => Number.isInteger(f.index) && f.index >= 0)
    .sort((a, b) => b.index - a.index);
  const files: LogFile[] = [];
  for (const { name } of rotated) {
    try {
      const s = statSync(join(dir, name));
      files.push({ path: join(dir, name), dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs });
    } catch {
      // rotated away between the listing and the stat
    }
  }
  return files;
}

/** Timestamp of the first entry of an open file, or undefined when it has none (yet). */
export function firstTimestampOf(fd: number): string | undefined {
  for (let size = 4096; size <= 64 * 1024; size *= 4) {
    const buffer = Buffer.allocUnsafe(size);
    const bytesRead = readSync(fd, buffer, 0, size, 0);
    const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
    if (newline >= 0) return parseJsonFileEntry(buffer.subarray(0, newline), false)?.timestamp;
    if (bytesRead < size) return undefined;
  }
  // a first entry over 64 KiB cannot be (pieces are 16 KiB): not a json-file log
  return undefined;
}

/** Opens a file for reading with its identity as it is now; undefined when it is gone. */
export function openLogFile(path: string): { fd: number; dev: number; ino: number; size: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  const s = fstatSync(fd);
  return { fd, dev: s.dev, ino: s.ino, size: s.size };
}

export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}
