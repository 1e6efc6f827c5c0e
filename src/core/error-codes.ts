/**
 * The catalogue of logship's error codes: every code a LogshipError, a dead letter or an output
 * failure carries, with what it means, whether it is retriable by default and where a user sees
 * it. Code uses the constants (`ErrorCode.FILE_WRITE`, `ErrorCodeFamily.ES_HTTP.code(503)`), never
 * a string literal; docs/errors.md is generated from here by scripts/update-docs.mjs.
 */

/** Where a code shows: a dead-letter entry's `code` (file or index), `logship: … [CODE]` on exit, or the `code` of a log line. */
export type ErrorShownIn = 'dead letters' | 'exit message' | 'logs';

export interface ErrorCodeInfo {
  readonly meaning: string;
  /** Whether sending or reading again can succeed, as raised by default. */
  readonly retriable: boolean;
  readonly shows: readonly ErrorShownIn[];
}

const DEAD: readonly ErrorShownIn[] = ['dead letters'];
const LOGS: readonly ErrorShownIn[] = ['logs'];
const EXIT: readonly ErrorShownIn[] = ['exit message'];

export const ERROR_CODES = {
  RECORD_UNRENDERABLE: { meaning: 'an output could not render, encode or route a record (the same record fails the same way every time)', retriable: false, shows: DEAD },
  TRANSFORM_FAILED: { meaning: 'a transform threw on a record, or the router was left without a text tag; written to `STATE_DIR/dead-letter/transforms.jsonl`', retriable: false, shows: DEAD },
  OUTPUT_ERROR: { meaning: 'an output threw an error that carries no code of its own', retriable: true, shows: ['logs', 'dead letters'] },
  OUTPUT_START: { meaning: 'an output could not start (its client failed to load or connect)', retriable: true, shows: LOGS },
  CONFIG_INVALID: { meaning: 'a pipeline file cannot be used (`ConfigError`): its problems are printed one per line instead of the code, on exit (code 2) or in the log of a rejected reload', retriable: false, shows: ['exit message', 'logs'] },
  STATE_DIR: { meaning: 'the state directory cannot be created or is not writable (exit code 2)', retriable: false, shows: EXIT },
  STATE_LOCKED: { meaning: 'the state directory is in use by another logship process (exit code 2)', retriable: false, shows: EXIT },
  STATE_UNREADABLE: { meaning: 'a state file exists but cannot be read (exit code 2)', retriable: false, shows: EXIT },
  STATE_CORRUPT: { meaning: 'a state file is not a logship state file: it is moved aside and counted in `checkpoint_corrupt_total`', retriable: false, shows: LOGS },
  CONTAINER_GONE: { meaning: 'the container no longer exists, or is being removed', retriable: false, shows: LOGS },
  LOGS_UNSUPPORTED: { meaning: "the container's log driver does not let Docker serve its logs", retriable: false, shows: LOGS },
  ABORTED: { meaning: 'a Docker request was aborted (the shipper is stopping or reloading)', retriable: false, shows: LOGS },
  DOCKER_UNREACHABLE: { meaning: 'the Docker daemon does not answer: no socket, no permission on it, or a network error', retriable: true, shows: LOGS },
  DOCKER_API: { meaning: 'the Docker daemon answered a request with an error', retriable: true, shows: LOGS },
  DOCKER_STREAM: { meaning: "a container's log stream broke; it is read again from where it stopped", retriable: true, shows: LOGS },
  FILE_OPEN: { meaning: 'the file output cannot open its file', retriable: false, shows: ['logs', 'dead letters'] },
  FILE_WRITE: { meaning: 'the file output cannot write its file (disk full…)', retriable: true, shows: LOGS },
  STDOUT_WRITE: { meaning: 'writing to stdout failed', retriable: true, shows: LOGS },
  KAFKA_UNAVAILABLE: { meaning: 'Kafka does not answer, or a topic has no partitions yet', retriable: true, shows: LOGS },
  KAFKA_AUTHENTICATION: { meaning: 'SASL authentication with Kafka failed (retried: credentials get fixed)', retriable: true, shows: LOGS },
  KAFKA_TRANSACTION_ABORTED: { meaning: 'exactly-once delivery: the transaction that held the records was aborted (a failed send, a broker restart); they are sent again in a new one', retriable: true, shows: LOGS },
  KAFKA_FENCED: { meaning: "exactly-once delivery: another logship started with this output's transactional id (same host name and output id) and fenced this one, which stops sending", retriable: true, shows: LOGS },
  KAFKA_PARTITION_WAITING: { meaning: 'records held back until the earlier records of their topic are delivered', retriable: true, shows: LOGS },
  KAFKA_UNKNOWN_TOPIC: { meaning: 'the topic does not exist and `create_topics` is false', retriable: false, shows: ['logs', 'dead letters'] },
  KAFKA_MESSAGE_TOO_LARGE: { meaning: "a message is larger than `max_message_bytes` or the broker's or topic's limit", retriable: false, shows: DEAD },
  KAFKA_NOT_AUTHORIZED: { meaning: 'not authorized to write to the topic, or by the cluster', retriable: false, shows: DEAD },
  KAFKA_INVALID_TOPIC: { meaning: 'the topic name, its partitions, replication factor or configuration is not valid', retriable: false, shows: DEAD },
  KAFKA_INVALID_RECORD: { meaning: "the broker refused the record as invalid for the topic's settings, or corrupt", retriable: false, shows: DEAD },
  KAFKA_UNSUPPORTED_COMPRESSION: { meaning: 'the broker does not support the compression (zstd needs Kafka 2.1+)', retriable: false, shows: DEAD },
  KAFKA_INVALID_ACKS: { meaning: 'the broker refused the acks setting', retriable: false, shows: DEAD },
  KAFKA_POLICY_VIOLATION: { meaning: 'refused by a broker policy', retriable: false, shows: DEAD },
  ES_UNREACHABLE: { meaning: 'Elasticsearch or OpenSearch does not answer (no HTTP status); the ES_ codes are those of both bulk outputs', retriable: true, shows: LOGS },
  ES_TEMPLATE: { meaning: 'the index template could not be installed; the batch is retried', retriable: true, shows: LOGS },
  ES_DOCUMENT_TOO_LARGE: { meaning: 'a document alone is larger than `http.max_content_length` (413)', retriable: false, shows: DEAD },
  ES_MAPPING_REJECTED: { meaning: "a document does not fit the index's mapping", retriable: false, shows: DEAD },
  ES_REQUEST_REJECTED: { meaning: 'the node refused the request (400) with only this document in it', retriable: false, shows: DEAD },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCodeName = keyof typeof ERROR_CODES;

/** Every fixed code, as a constant: `ErrorCode.FILE_WRITE === 'FILE_WRITE'`. */
export const ErrorCode = Object.fromEntries(Object.keys(ERROR_CODES).map((code) => [code, code])) as { readonly [K in ErrorCodeName]: K };

export interface ErrorCodeFamilyInfo extends ErrorCodeInfo {
  /** The code with its variable part, as the docs show it: ES_HTTP_<status>. */
  readonly pattern: string;
}

function family<P extends string>(prefix: P, info: ErrorCodeInfo): ErrorCodeFamilyInfo & { code(status: number): `${P}${number}` } {
  return { ...info, pattern: `${prefix}<status>`, code: (status) => `${prefix}${status}` as `${P}${number}` };
}

/** Codes built at run time: a fixed prefix and the HTTP status Elasticsearch answered with. */
export const ErrorCodeFamily = {
  ES_HTTP: family('ES_HTTP_', { meaning: 'a bulk request as a whole got this HTTP status (429, 5xx, 401…); retried', retriable: true, shows: LOGS }),
  ES_ITEM: family('ES_ITEM_', { meaning: 'one bulk item got this status (429, 5xx, a cluster block such as a full disk); retried alone', retriable: true, shows: LOGS }),
  ES_REJECTED: family('ES_REJECTED_', { meaning: 'one bulk item was refused for good with this 4xx status (other than a mapping problem or 413)', retriable: false, shows: DEAD }),
};

/** The catalogue as the docs show it: every fixed code, then every family. */
export function errorCatalogue(): Array<{ code: string } & ErrorCodeInfo> {
  return [...Object.entries(ERROR_CODES).map(([code, info]) => ({ code, ...info })), ...Object.values(ErrorCodeFamily).map((f) => ({ code: f.pattern, meaning: f.meaning, retriable: f.retriable, shows: f.shows }))];
}
