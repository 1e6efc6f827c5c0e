/**
 * The catalogue of logship's metrics: name, type, labels and help text. Code uses the constants
 * (`metrics.inc(METRIC.OUTPUT_RECORDS_TOTAL, labels)`), never a string literal; /metrics prints
 * the help text as HELP lines, and the metrics table of docs/api.md is generated from here by
 * scripts/update-docs.mjs, in this order.
 */

export type MetricType = 'counter' | 'gauge';

/** One row of the docs' table shared by several metrics (adjacent in the catalogue), with its own text. */
export interface MetricDocRow {
  readonly what: string;
}

export interface MetricInfo {
  /** Without the `logship_` prefix the exposition adds. */
  readonly name: string;
  readonly type: MetricType;
  readonly labels: readonly string[];
  /** The HELP line, and the table row's text unless the metric shares a row. */
  readonly help: string;
  readonly row?: MetricDocRow;
}

const OUTPUT_QUEUE: MetricDocRow = { what: "fill of the output's bounded queue" };
const BUFFER_SIZE: MetricDocRow = { what: 'disk buffer: spool bytes on disk, and its cap' };
const DROPPED_BY: MetricDocRow = { what: 'records dropped by throttle / sample (no per-key label: throttle logs the key it dropped most once a minute)' };
const TAP: MetricDocRow = { what: '`/tap` clients, records they were too slow for, and records a tap could not be shown (routing goes on)' };
const API_CONNECTIONS: MetricDocRow = { what: 'open API connections, and idle ones closed to make room for new ones' };

export const METRICS = {
  INPUT_RECORDS_TOTAL: { name: 'input_records_total', type: 'counter', labels: ['input'], help: 'records an input emitted' },
  INPUT_BYTES_TOTAL: { name: 'input_bytes_total', type: 'counter', labels: ['input'], help: 'message bytes an input emitted (docker_logs)' },
  INPUT_PAUSED_TOTAL: { name: 'input_paused_total', type: 'counter', labels: ['input'], help: 'times an input paused reading because the pipeline had no room (backpressure: nothing is dropped, the source keeps the data)' },
  INPUT_QUEUE_RECORDS: { name: 'input_queue_records', type: 'gauge', labels: [], help: 'records waiting between the inputs and the router' },
  RECORDS_UNROUTED_TOTAL: { name: 'records_unrouted_total', type: 'counter', labels: [], help: 'records no output matched (dropped)' },
  OUTPUT_RECORDS_TOTAL: { name: 'output_records_total', type: 'counter', labels: ['output'], help: 'records delivered' },
  OUTPUT_ERRORS_TOTAL: { name: 'output_errors_total', type: 'counter', labels: ['output'], help: 'failed deliveries of a batch (some or all of its records)' },
  OUTPUT_RETRIES_TOTAL: { name: 'output_retries_total', type: 'counter', labels: ['output'], help: 'deliveries retried with backoff' },
  OUTPUT_DEAD_LETTERED_TOTAL: { name: 'output_dead_lettered_total', type: 'counter', labels: ['output'], help: 'records refused for good and written to the dead-letter file' },
  DEAD_LETTER_ERRORS_TOTAL: { name: 'dead_letter_errors_total', type: 'counter', labels: ['output'], help: 'failed writes of the dead-letter file (retried)' },
  OUTPUT_QUEUE_RECORDS: { name: 'output_queue_records', type: 'gauge', labels: ['output'], help: "records in the output's bounded queue", row: OUTPUT_QUEUE },
  OUTPUT_QUEUE_BYTES: { name: 'output_queue_bytes', type: 'gauge', labels: ['output'], help: "bytes in the output's bounded queue", row: OUTPUT_QUEUE },
  OUTPUT_LAG_SECONDS: { name: 'output_lag_seconds', type: 'gauge', labels: ['output'], help: 'now minus the `@timestamp` of the newest delivered record' },
  BUFFER_BYTES: { name: 'buffer_bytes', type: 'gauge', labels: ['output'], help: 'disk buffer: spool bytes on disk', row: BUFFER_SIZE },
  BUFFER_MAX_BYTES: { name: 'buffer_max_bytes', type: 'gauge', labels: ['output'], help: "disk buffer: the cap of the spool's bytes on disk", row: BUFFER_SIZE },
  BUFFER_RECORDS: { name: 'buffer_records', type: 'gauge', labels: ['output'], help: 'disk buffer: records written to the spool in this run and not yet settled by the output' },
  BUFFER_WRITTEN_TOTAL: { name: 'buffer_written_total', type: 'counter', labels: ['output'], help: 'disk buffer: records written (and acknowledged to the inputs)' },
  BUFFER_DROPPED_TOTAL: { name: 'buffer_dropped_total', type: 'counter', labels: ['output'], help: 'disk buffer with `when_full: drop_newest`: records dropped because the spool was full' },
  BUFFER_FULL_WAITS_TOTAL: { name: 'buffer_full_waits_total', type: 'counter', labels: ['output'], help: 'disk buffer with `when_full: block`: times writing waited for room' },
  BUFFER_WRITE_ERRORS_TOTAL: { name: 'buffer_write_errors_total', type: 'counter', labels: ['output'], help: 'disk buffer: failed spool writes (disk full…), retried' },
  BUFFER_CORRUPT_TOTAL: { name: 'buffer_corrupt_total', type: 'counter', labels: ['output'], help: 'disk buffer: damaged spool entries found (the rest of their segment is skipped)' },
  BUFFER_INVALID_ENTRIES_TOTAL: { name: 'buffer_invalid_entries_total', type: 'counter', labels: ['output'], help: 'disk buffer: intact spool entries that are not records, moved aside to `corrupt.jsonl` in the spool folder and skipped' },
  CONFIG_RELOADS_TOTAL: { name: 'config_reloads_total', type: 'counter', labels: ['result'], help: 'reloads by result: `applied`, `unchanged`, `partial` (a plugin kept its old configuration because the new one did not start), `rejected` (the file did not validate), `failed`' },
  CONFIG_LAST_RELOAD_SUCCESSFUL: { name: 'config_last_reload_successful', type: 'gauge', labels: [], help: '1 when the last reload applied (or none happened yet), 0 when it was rejected or failed' },
  CONFIG_LAST_RELOAD_SUCCESS_TIMESTAMP_SECONDS: { name: 'config_last_reload_success_timestamp_seconds', type: 'gauge', labels: [], help: 'Unix time of the last good reload (or of the start)' },
  RELOAD_DROPPED_RECORDS_TOTAL: { name: 'reload_dropped_records_total', type: 'counter', labels: ['output'], help: 'records an output removed by a reload had not delivered within `shutdown_timeout` (dropped)' },
  CHECKPOINT_ERRORS_TOTAL: { name: 'checkpoint_errors_total', type: 'counter', labels: [], help: 'failed checkpoint writes (the previous file stays intact; retried every second)' },
  CHECKPOINT_CORRUPT_TOTAL: { name: 'checkpoint_corrupt_total', type: 'counter', labels: [], help: 'state files found unreadable at start (moved aside; inputs resume from the oldest logs)' },
  CHECKPOINT_ENTRIES_INVALID_TOTAL: { name: 'checkpoint_entries_invalid_total', type: 'counter', labels: ['input'], help: 'malformed per-container checkpoints dropped at start (that container is read from its oldest log)' },
  DOCKER_LOGS_CONTAINERS_FOLLOWED: { name: 'docker_logs_containers_followed', type: 'gauge', labels: ['input', 'mode'], help: 'containers whose logs are being followed, by `mode`: `file` (json-file read directly) or `api`' },
  DOCKER_LOGS_FILE_FALLBACKS_TOTAL: { name: 'docker_logs_file_fallbacks_total', type: 'counter', labels: ['input'], help: '`mode: auto`: containers read through the API because their json-file log is not readable here' },
  DOCKER_LOGS_FILE_UNREADABLE_TOTAL: { name: 'docker_logs_file_unreadable_total', type: 'counter', labels: ['input'], help: '`mode: file`: containers skipped because their json-file log is not readable here' },
  DOCKER_LOGS_CONTAINERS_MISSED_TOTAL: { name: 'docker_logs_containers_missed_total', type: 'counter', labels: ['input'], help: 'containers removed before their log could be read (each also a warning naming the container)' },
  DOCKER_LOGS_INVALID_FRAMES_TOTAL: { name: 'docker_logs_invalid_frames_total', type: 'counter', labels: ['input'], help: 'malformed pieces of a log stream or json-file log skipped (said at debug level)' },
  DOCKER_LOGS_REPEATED_SKIPPED_TOTAL: { name: 'docker_logs_repeated_skipped_total', type: 'counter', labels: ['input'], help: 'lines read again after a reconnect and skipped' },
  DOCKER_LOGS_TRUNCATED_TOTAL: { name: 'docker_logs_truncated_total', type: 'counter', labels: ['input'], help: 'lines cut at `max_line_bytes`' },
  DOCKER_ERRORS_TOTAL: { name: 'docker_errors_total', type: 'counter', labels: ['input'], help: 'lost connections to the Docker daemon' },
  DOCKER_TAIL_SESSIONS: { name: 'docker_tail_sessions', type: 'gauge', labels: ['input'], help: 'files being followed' },
  DOCKER_TAIL_UNREAD_TOTAL: { name: 'docker_tail_unread_total', type: 'counter', labels: ['input'], help: 'times the `docker_tail` wrapper knew lines were left unread: the checkpointed file deleted or moved while the shipper was down (or compressed before it had a fingerprint), a compressed rotated file with no `gzip`/`zcat` to read it (each also a warning naming the file)' },
  EXEC_SESSIONS: { name: 'exec_sessions', type: 'gauge', labels: ['input'], help: 'containers where a `docker_exec` command is running' },
  EXEC_CREATED_TOTAL: { name: 'exec_created_total', type: 'counter', labels: ['input', 'container'], help: 'execs created in a container (the exec budget)' },
  EXEC_EXITS_TOTAL: { name: 'exec_exits_total', type: 'counter', labels: ['input', 'exit_code'], help: 'finished `docker_exec` runs by exit code' },
  EXEC_RUNS_SKIPPED_TOTAL: { name: 'exec_runs_skipped_total', type: 'counter', labels: ['input'], help: 'interval slots skipped because the previous run still went' },
  PARSE_ERRORS_TOTAL: { name: 'parse_errors_total', type: 'counter', labels: ['transform'], help: 'records a parser could not parse (kept, marked `parse_error`)' },
  TRANSFORM_FAILURES_TOTAL: { name: 'transform_failures_total', type: 'counter', labels: ['transform'], help: 'records a transform threw on, or (`transform="router"`) left without a text tag: written to `STATE_DIR/dead-letter/transforms.jsonl`' },
  TRANSFORM_ERRORS_TOTAL: { name: 'transform_errors_total', type: 'counter', labels: ['transform'], help: "a transform's periodic flush of held records failed (logged at most once a minute)" },
  TRANSFORM_DROPPED_TOTAL: { name: 'transform_dropped_total', type: 'counter', labels: ['transform'], help: 'records a transform dropped' },
  THROTTLE_DROPPED_TOTAL: { name: 'throttle_dropped_total', type: 'counter', labels: ['transform'], help: 'records dropped by throttle (no per-key label: throttle logs the key it dropped most once a minute)', row: DROPPED_BY },
  SAMPLE_DROPPED_TOTAL: { name: 'sample_dropped_total', type: 'counter', labels: ['transform'], help: 'records dropped by sample', row: DROPPED_BY },
  FILE_REPLAYED_LINES_SKIPPED_TOTAL: { name: 'file_replayed_lines_skipped_total', type: 'counter', labels: ['output'], help: 'file output: lines sent again after a restart that the file already held, not written twice' },
  KAFKA_TOPICS_CREATED_TOTAL: { name: 'kafka_topics_created_total', type: 'counter', labels: ['output'], help: 'topics the kafka output created' },
  KAFKA_TRANSACTIONS_TOTAL: { name: 'kafka_transactions_total', type: 'counter', labels: ['output', 'outcome'], help: 'exactly-once delivery: transactions committed or aborted (an aborted one is sent again)' },
  KAFKA_REPLAYS_SKIPPED_TOTAL: { name: 'kafka_replays_skipped_total', type: 'counter', labels: ['output'], help: 'exactly-once delivery: records not sent because a committed transaction already holds them (read again after a restart)' },
  KAFKA_FENCED: { name: 'kafka_fenced', type: 'gauge', labels: ['output'], help: 'exactly-once delivery: 1 when another logship took over this output\'s transactional id and this output stopped sending' },
  ELASTICSEARCH_ITEMS_RETRIED_TOTAL: { name: 'elasticsearch_items_retried_total', type: 'counter', labels: ['output'], help: 'bulk items retried alone (429, 5xx)' },
  ELASTICSEARCH_DEAD_LETTER_INDEX_TOTAL: { name: 'elasticsearch_dead_letter_index_total', type: 'counter', labels: ['output'], help: 'refused documents stored in the dead-letter index' },
  OPENSEARCH_ITEMS_RETRIED_TOTAL: { name: 'opensearch_items_retried_total', type: 'counter', labels: ['output'], help: 'bulk items retried alone (429, 5xx)' },
  OPENSEARCH_DEAD_LETTER_INDEX_TOTAL: { name: 'opensearch_dead_letter_index_total', type: 'counter', labels: ['output'], help: 'refused documents stored in the dead-letter index' },
  TAP_CLIENTS: { name: 'tap_clients', type: 'gauge', labels: [], help: '`/tap` clients', row: TAP },
  TAP_DROPPED_TOTAL: { name: 'tap_dropped_total', type: 'counter', labels: [], help: '`/tap` records clients were too slow for', row: TAP },
  TAP_ERRORS_TOTAL: { name: 'tap_errors_total', type: 'counter', labels: [], help: 'records a tap could not be shown (routing goes on)', row: TAP },
  API_CONNECTIONS: { name: 'api_connections', type: 'gauge', labels: [], help: 'open API connections', row: API_CONNECTIONS },
  API_CONNECTIONS_EVICTED_TOTAL: { name: 'api_connections_evicted_total', type: 'counter', labels: [], help: 'idle API connections closed to make room for new ones', row: API_CONNECTIONS },
  EVENT_LOOP_LAG_SECONDS: { name: 'event_loop_lag_seconds', type: 'gauge', labels: [], help: "how late the shipper's event loop runs timers" },
} as const satisfies Record<string, MetricInfo>;

export type MetricKey = keyof typeof METRICS;
export type MetricName = (typeof METRICS)[MetricKey]['name'];

/** Every metric's name, as a constant: `METRIC.OUTPUT_RECORDS_TOTAL === 'output_records_total'`. */
export const METRIC = Object.fromEntries(Object.entries(METRICS).map(([key, m]) => [key, m.name])) as { readonly [K in MetricKey]: (typeof METRICS)[K]['name'] };

const byName = new Map<string, MetricInfo>(Object.values(METRICS).map((m) => [m.name, m]));

/** The catalogue entry of a metric name, if it has one. */
export function metricInfo(name: string): MetricInfo | undefined {
  return byName.get(name);
}
