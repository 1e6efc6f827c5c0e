import type { Stream } from '../../core/record.js';
import type { StreamPosition } from './stream-cursor.js';

/** What docker_logs persists per container. */
export interface ContainerCheckpoint {
  name: string;
  /** Inclusive lower bound (RFC3339) to reopen the log from: nothing older is still unsettled. */
  since: string;
  /** Per stream, the last settled position; messages up to it are skipped on reopen. */
  streams: Partial<Record<Stream, StreamPosition>>;
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
    if ((stream !== 'stdout' && stream !== 'stderr') || !validPosition(position)) return undefined;
  }
  return { name: typeof c.name === 'string' ? c.name : '', since: c.since, streams: c.streams };
}
