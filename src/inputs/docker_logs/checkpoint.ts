import type { Stream } from '../../core/record.js';
import type { StreamPosition } from './stream-cursor.js';

/** What docker_logs persists per container. */
export interface ContainerCheckpoint {
  name: string;
  /** Inclusive lower bound (RFC3339) to reopen the log from: nothing older is still unsettled. */
  since: string;
  /** Per stream, the last settled position; messages up to it are skipped on reopen. */
  streams: Partial<Record<Stream, StreamPosition>>;
  /** File mode: the json-file and byte offset to reopen at (a hint: the stream positions decide). */
  file?: FilePosition;
}

/** A byte offset in one json-file log, which is known by device and inode, not by name (rotation renames it). */
export interface FilePosition {
  dev: number;
  ino: number;
  offset: number;
  /** Timestamp of the file's first entry: an inode number can be reused by a later file. */
  first: string;
}

export interface DockerLogsCheckpoint {
  containers: Record<string, ContainerCheckpoint>;
}

/** The earliest of some timestamps (RFC3339 with nine fractional digits compares as text). */
export function earliest(timestamps: ReadonlyArray<string | undefined>): string | undefined {
  let min: string | undefined;
  for (const ts of timestamps) if (ts !== undefined && (min === undefined || ts < min)) min = ts;
  return min;
}

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function validPosition(value: unknown): value is StreamPosition {
  const p = value as StreamPosition | undefined;
  return typeof p === 'object' && p !== null && typeof p.ts === 'string' && TIMESTAMP.test(p.ts) && Number.isInteger(p.count) && p.count >= 0;
}

/**
 * A restored container checkpoint if it has the shape this version writes, else undefined (the
 * container is then read from its oldest log: duplicates are possible, a gap is not).
 */
export function validContainerCheckpoint(value: unknown): ContainerCheckpoint | undefined {
  const c = value as ContainerCheckpoint | undefined;
  if (typeof c !== 'object' || c === null || typeof c.since !== 'string' || !TIMESTAMP.test(c.since)) return undefined;
  if (typeof c.streams !== 'object' || c.streams === null) return undefined;
  for (const [stream, position] of Object.entries(c.streams)) {
    if ((stream !== 'stdout' && stream !== 'stderr' && stream !== 'tty') || !validPosition(position)) return undefined;
  }
  const checkpoint: ContainerCheckpoint = { name: typeof c.name === 'string' ? c.name : '', since: c.since, streams: c.streams };
  if (validFilePosition(c.file)) checkpoint.file = c.file;
  return checkpoint;
}

function validFilePosition(value: unknown): value is FilePosition {
  const f = value as FilePosition | undefined;
  return typeof f === 'object' && f !== null && Number.isInteger(f.dev) && Number.isInteger(f.ino) && Number.isInteger(f.offset) && f.offset >= 0 && typeof f.first === 'string' && TIMESTAMP.test(f.first);
}
