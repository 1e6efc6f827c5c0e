import type { Logger } from '../../core/logger.js';
import type { Counter, Metrics } from '../../core/metrics.js';
import type { LogRecord } from '../../core/record.js';
import type { Backpressure } from '../../plugins/backpressure.js';
import type { ContainerInfo, DockerService } from '../../services/docker.js';
import type { ContainerCheckpoint } from './checkpoint.js';
import type { ContainerFilter } from '../docker/container-filter.js';

export interface FollowerContext {
  inputId: string;
  docker: DockerService;
  sink: Backpressure;
  filter: ContainerFilter;
  /** Frozen, shared by every record. */
  host: { readonly name: string };
  maxLineBytes: number;
  logger: Logger;
  metrics: Metrics;
  /** Counters bumped per line. */
  counters: { records: Counter; bytes: Counter; repeatedSkipped: Counter; truncated: Counter };
  signal: AbortSignal;
  /** Where to start reading a running container seen for the first time at start-up (RFC3339). */
  firstSince: () => string;
  /** The input's `tag` template, when it has one. */
  tag?: (record: LogRecord) => string;
  /** `mode`: api, file, or auto (file when the json-file log is readable here). */
  mode: 'api' | 'file' | 'auto';
  /** Where the host's containers folder is mounted, when not at the LogPath Docker reports. */
  logsDir?: string;
  /**
   * auto mode: a container whose json-file cannot be read here (`unreadable`), or that vanished
   * before it could be opened (`vanished`), is read through the API instead.
   */
  fallBack(id: string, reason: string, kick: KickReason, why: 'unreadable' | 'vanished'): void;
}

/** One container's reader, whichever way it reads; discovery drives it. */
export interface Follower {
  readonly id: string;
  readonly mode: 'api' | 'file';
  /** Asks for a read cycle: follow while it runs, read what is left when it stopped. */
  kick(reason?: KickReason): void;
  readonly idle: boolean;
  /** Re-reads metadata (after a rename). */
  refresh(): Promise<void>;
  /** Done with this container (gone or not wanted) and nothing unsettled. */
  readonly finished: boolean;
  readonly ignored: boolean;
  readonly following: boolean;
  readonly pendingRecords: number;
  /** Waits for the current read cycle to end (after abort). */
  stopped(): Promise<void>;
  /** The checkpoint over settled records only. */
  checkpoint(): ContainerCheckpoint | undefined;
  onDie(): void;
}

/**
 * Found by a listing rather than by an event: a stopped container is read only if it has a
 * checkpoint or stopped after `discoveredAfter` (while nobody was watching), not for its history.
 */
export function worthReading(info: ContainerInfo, discoveredAfter: number | undefined, known: boolean): boolean {
  if (discoveredAfter === undefined || info.running || known) return true;
  return Date.parse(info.finishedAt) > discoveredAfter;
}

export interface KickReason {
  /** Found by the first listing after start-up (start_at applies). */
  initial?: boolean;
  /** Found by a listing: stopped containers that finished before this time are history, not read. */
  discoveredAfter?: number;
  /** A start event: ask for the log before inspecting. */
  justStarted?: boolean;
  /** Name, image and labels from that event, in case the container is gone before inspect answers. */
  seen?: { name: string; image: string; labels: Record<string, string> };
}
