import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { LogshipError } from '../core/errors.js';
import { writeFileAtomic } from './atomic-write.js';
import { ErrorCode } from '../core/error-codes.js';

type Snapshot = () => unknown;

const UNCHANGED_REWRITE_MS = 60_000;

interface StateFile {
  version: 1;
  saved_at: string;
  entries: Record<string, unknown>;
}

/**
 * The shipper's durable state: one JSON file written atomically. Plugins register a snapshot
 * function; every flush takes all snapshots in the same instant, so an input's checkpoint and an
 * output's commit marker always describe the same moment.
 */
export class CheckpointStore {
  private readonly path: string;
  private readonly loaded: Record<string, unknown>;
  private readonly snapshots = new Map<string, Snapshot>();
  private timer: NodeJS.Timeout | undefined;
  /** The entries last written, as written. */
  private written: string | undefined;
  private writtenAt = 0;
  readonly previousSavedAt: string | undefined;
  /** Set when the state file could not be parsed: where it was moved and why. */
  readonly corrupt: { movedTo: string; reason: string } | undefined;

  constructor(stateDir: string) {
    this.path = join(stateDir, 'checkpoints.json');
    let state: StateFile | undefined;
    try {
      state = readState(this.path);
    } catch (err) {
      if (!(err instanceof LogshipError) || err.code !== ErrorCode.STATE_CORRUPT) throw err;
      // a torn or garbled file must not stop the shipper: keep it for inspection and start over,
      // with every input resuming from the oldest log still available (duplicates, never a gap)
      const movedTo = `${this.path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      renameSync(this.path, movedTo);
      this.corrupt = { movedTo, reason: err.message };
    }
    this.loaded = state?.entries ?? {};
    // unknown when the previous run saved: as if at the epoch, so nothing it may have missed is skipped
    this.previousSavedAt = this.corrupt ? new Date(0).toISOString() : state?.saved_at;
  }

  /**
   * Where a plugin resumes: the live state of the instance registered under this key (a plugin
   * restarted by a reload continues exactly where its predecessor is), else what the previous run saved.
   */
  restore<T>(key: string): T | undefined {
    const live = this.snapshots.get(key);
    // a copy as it would come back from the file, so the two instances share nothing
    if (live) return JSON.parse(JSON.stringify(live() ?? null)) as T | undefined ?? undefined;
    return this.loaded[key] as T | undefined;
  }

  register(key: string, snapshot: Snapshot): void {
    this.snapshots.set(key, snapshot);
  }

  /**
   * Writes every registered snapshot now; `changedOnly` skips the write (and its fsync) when no
   * snapshot changed since the last one written — a quiet node then writes nothing every second.
   */
  flush(changedOnly = false): void {
    const entries: Record<string, unknown> = {};
    for (const [key, snapshot] of this.snapshots) entries[key] = snapshot();
    const body = JSON.stringify(entries);
    const now = Date.now();
    // saved_at is where the next start replays Docker's events from: kept within a minute
    if (changedOnly && body === this.written && now - this.writtenAt < UNCHANGED_REWRITE_MS) return;
    writeFileAtomic(this.path, `{"version":1,"saved_at":${JSON.stringify(new Date(now).toISOString())},"entries":${body}}`);
    this.written = body;
    this.writtenAt = now;
  }

  /** `onError` hears every failed write; `onRecovered` the first good one after failures. */
  startPeriodicFlush(intervalMs: number, onError: (err: unknown) => void, onRecovered: () => void = () => undefined): void {
    let failing = false;
    this.timer = setInterval(() => {
      try {
        this.flush(true);
        if (failing) onRecovered();
        failing = false;
      } catch (err) {
        failing = true;
        onError(err);
      }
    }, intervalMs);
    this.timer.unref();
  }

  stopPeriodicFlush(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function readState(path: string): StateFile | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new LogshipError(ErrorCode.STATE_UNREADABLE, `cannot read ${path}: ${(err as Error).message}`, { retriable: false });
  }
  try {
    const state = JSON.parse(text) as StateFile;
    if (state.version !== 1 || typeof state.entries !== 'object') throw new Error('unknown format');
    return state;
  } catch (err) {
    throw new LogshipError(ErrorCode.STATE_CORRUPT, `${path} is not a logship state file (${(err as Error).message})`, { retriable: false });
  }
}
