import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { LogshipError } from '../core/errors.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from './file-modes.js';
import { ErrorCode } from '../core/error-codes.js';

/**
 * Creates the state directory and takes its lock, so two shippers never write the same
 * checkpoints. A lock left by a process that is gone (kill -9) is taken over.
 */
export function lockStateDir(dir: string): () => void {
  try {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  } catch (err) {
    throw new LogshipError(ErrorCode.STATE_DIR, `cannot create state directory ${dir}: ${(err as Error).message} — pass --state-dir to a writable directory`, { retriable: false });
  }
  const lock = join(dir, 'lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', PRIVATE_FILE_MODE);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(lock);
        } catch {
          // already gone
        }
      };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EROFS') {
        throw new LogshipError(ErrorCode.STATE_DIR, `state directory ${dir} is not writable — pass --state-dir to a writable directory`, { retriable: false });
      }
      if (code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(lock, 'utf8'));
      if (owner && owner !== process.pid && processAlive(owner)) {
        throw new LogshipError(ErrorCode.STATE_LOCKED, `state directory ${dir} is in use by process ${owner} — stop it, or give this shipper its own --state-dir`, { retriable: false });
      }
      unlinkSync(lock);
    }
  }
  throw new LogshipError(ErrorCode.STATE_LOCKED, `cannot lock state directory ${dir}`, { retriable: false });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
