import type { Ack } from './ack.js';
import type { SourcePosition } from './source-position.js';

export type Stream = 'stdout' | 'stderr' | 'tty';
export type Source = 'main' | 'exec';

export interface ContainerMeta {
  id: string;
  name: string;
  image: { name: string };
  labels: Record<string, string>;
}

/**
 * The pod a container belongs to, as the Elastic Common Schema names it (kubernetes.*), from the
 * labels the kubelet gives containers on Docker Engine nodes (cri-dockerd).
 */
export interface KubernetesMeta {
  namespace: string;
  pod: { name: string; uid: string };
  /** Absent on a pod's sandbox, which runs no container of the pod spec. */
  container?: { name: string };
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
  /** Only on records of containers that Kubernetes runs. */
  kubernetes?: KubernetesMeta;
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
  /**
   * The record's place in its source as outputs compare it (see SourcePosition): present for
   * records an input can read again (docker_logs, docker_tail) and for generator records.
   */
  readonly position?: SourcePosition;
  /**
   * The record's JSON line, ready as bytes, when its input could make it without serialising
   * (docker_logs copies a json-file line's text as it is). Valid only while nothing changed the
   * record: the router removes it before transforms run. Outputs that write JSON lines use it,
   * else recordToJson; both give the same bytes.
   */
  json?: EncodedRecord;
  /**
   * The record's tag and @timestamp, from inputs that build a record only when something reads
   * it (docker_logs: most records reach the outputs as their ready-made JSON and are never built).
   * Always the record's own values; read them through recordTag and recordTimestamp.
   */
  readonly tag?: string;
  readonly timestamp?: string;
  /**
   * The record's fields other than @timestamp, message and log, when its input shares one frozen
   * object of them between many records (docker_logs: one per stream and container metadata) and
   * nothing changed the record. Templates of those fields render once per object.
   */
  readonly sharedFields?: SharedFields;
}

/** See PipelineEvent.sharedFields. */
export type SharedFields = Readonly<Omit<LogRecord, '@timestamp' | 'message' | 'log'>>;

/** The event's record's tag, without building the record when the input can tell it. */
export function recordTag(event: PipelineEvent): string {
  return event.tag ?? event.record.tag;
}

/** The event's record's @timestamp, without building the record when the input can tell it. */
export function recordTimestamp(event: PipelineEvent): string {
  return event.timestamp ?? event.record['@timestamp'];
}

/** A record's JSON (no newline), written straight into an output's buffer. */
export interface EncodedRecord {
  /** Bytes it takes. */
  readonly jsonBytes: number;
  /** Writes it at `offset`; returns the offset after it. */
  writeJson(target: Buffer, offset: number): number;
  /**
   * What follows the message text in the JSON (its closing quote, the other fields, the closing
   * brace), when that is one Buffer shared by every record of the same stream and metadata. An
   * output that renders those fields differently (elasticsearch de-dots label keys) makes its own
   * version once per shared tail and writes records with writeJsonWithTail.
   */
  readonly sharedTail?: Buffer;
  /** Writes it with another tail in place of sharedTail; returns the offset after it. */
  writeJsonWithTail?(target: Buffer, offset: number, tail: Buffer): number;
}
