import { closeSync, fdatasyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Modes of what logship creates to hold log positions and log content (checkpoints, spool
 * segments, the state folder): owner-only, as Docker keeps its own logs. Folders the user made
 * keep their mode; only folders logship makes get this one.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Appends text to an owner-only file (its folder created owner-only if missing) and syncs it
 * before returning: dead letters and set-aside spool entries are settled only once on disk.
 */
export function appendPrivateSynced(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: PRIVATE_DIR_MODE });
  const fd = openSync(path, 'a', PRIVATE_FILE_MODE);
  try {
    writeSync(fd, text);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
