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
