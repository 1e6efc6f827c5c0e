import { open, readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseJsonFileEntry } from './json-file-entry.js';

export interface LogFile {
  path: string;
  dev: number;
  ino: number;
  size: number;
}

/**
 * A json-file log and its rotated predecessors, oldest first: …-json.log.2, …-json.log.1, …-json.log.
 * Compressed ones (log-opt compress=true) are left out: they cannot be followed.
 */
export async function listLogFiles(logPath: string): Promise<LogFile[]> {
  const dir = dirname(logPath);
  const base = basename(logPath);
  const names = await readdir(dir);
  const rotated = names
    .map((name) => ({ name, index: name === base ? 0 : name.startsWith(`${base}.`) ? Number(name.slice(base.length + 1)) : Number.NaN }))
    .filter((f) => Number.isInteger(f.index) && f.index >= 0)
    .sort((a, b) => b.index - a.index);
  const files: LogFile[] = [];
  for (const { name } of rotated) {
    try {
      const s = await stat(join(dir, name));
      files.push({ path: join(dir, name), dev: s.dev, ino: s.ino, size: s.size });
    } catch {
      // rotated away between the listing and the stat
    }
  }
  return files;
}

/** Timestamp of a file's first entry, or undefined when it has none (yet). */
export async function firstTimestamp(path: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return undefined;
  }
  try {
    return await firstTimestampOf(handle);
  } finally {
    await handle.close();
  }
}

/** Same, from an open file. */
export async function firstTimestampOf(handle: import('node:fs/promises').FileHandle): Promise<string | undefined> {
  const buffer = Buffer.allocUnsafe(64 * 1024);
  for (let size = 4096; size <= buffer.length; size *= 4) {
    const { bytesRead } = await handle.read(buffer, 0, size, 0);
    const newline = buffer.subarray(0, bytesRead).indexOf(0x0a);
    if (newline >= 0) return parseJsonFileEntry(buffer.subarray(0, newline), false)?.timestamp;
    if (bytesRead < size) return undefined;
  }
  // a first entry over 64 KiB cannot be (pieces are 16 KiB): not a json-file log
  return undefined;
}
