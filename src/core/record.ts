import type { Ack } from './ack.js';

export type Stream = 'stdout' | 'stderr' | 'tty';
export type Source = 'main' | 'exec';

export interface ContainerMeta {
  id: string;
  name: string;
  image: { name: string };
  labels: Record<string, string>;
}

/** The one record type that flows from inputs through transforms to outputs. */
export interface LogRecord {
  '@timestamp': string;
  message: string;
  stream: Stream;
  source: Source;
  tag: string;
  container: ContainerMeta;
  host: { name: string };
  log?: { truncated?: boolean; original_bytes?: number; [key: string]: unknown };
  [field: string]: unknown;
}

/** A record in flight: the record plus its acknowledgement token and its size for queue accounting. */
export interface PipelineEvent {
  record: LogRecord;
  ack: Ack;
  bytes: number;
  /**
   * Where the record sits in its source, the same every time it is read again (container, stream
   * or file, position). Outputs derive idempotent IDs from it; absent for output that cannot be
   * read twice (exec commands).
   */
  origin?: string;
}
