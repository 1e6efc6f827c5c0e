import { METRIC } from '../core/metric-names.js';

/**
 * The live view's numbers, from two metric snapshots a known time apart. Shared by the status
 * line of `logship run` (its own metrics) and `logship top` (a shipper's /metrics).
 */

/** Metric series as `name{label="value",…}` → value (the /metrics names without `logship_`). */
export type Snapshot = Record<string, number>;

export interface PluginStatus {
  kind: 'input' | 'output';
  id: string;
  recordsPerSecond: number;
  records: number;
  errors: number;
  retries: number;
  deadLettered: number;
  queue: number;
  bufferBytes: number;
  lagSeconds: number;
}

export interface Status {
  inPerSecond: number;
  outPerSecond: number;
  lagSeconds: number;
  queued: number;
  bufferBytes: number;
  errors: number;
  plugins: PluginStatus[];
}

const SERIES = /^([a-z_]+)(?:\{(.*)\})?$/;

function parseKey(key: string): { name: string; labels: Record<string, string> } | undefined {
  const m = SERIES.exec(key);
  if (!m) return undefined;
  const labels: Record<string, string> = {};
  for (const pair of (m[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, '$1');
  return { name: m[1]!, labels };
}

/** Sum of a metric per plugin label (`input` or `output`). */
function byPlugin(snapshot: Snapshot, name: string, label: 'input' | 'output'): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, value] of Object.entries(snapshot)) {
    const series = parseKey(key);
    const id = series?.labels[label];
    if (series?.name !== name || id === undefined) continue;
    out.set(id, (out.get(id) ?? 0) + value);
  }
  return out;
}

function total(snapshot: Snapshot, name: string): number {
  let sum = 0;
  for (const [key, value] of Object.entries(snapshot)) if (parseKey(key)?.name === name) sum += value;
  return sum;
}

export function summarize(previous: Snapshot, current: Snapshot, seconds: number): Status {
  const rate = (now: number | undefined, before: number | undefined): number => (seconds > 0 ? Math.max(0, ((now ?? 0) - (before ?? 0)) / seconds) : 0);
  const plugins: PluginStatus[] = [];
  const inputsNow = byPlugin(current, METRIC.INPUT_RECORDS_TOTAL, 'input');
  const inputsBefore = byPlugin(previous, METRIC.INPUT_RECORDS_TOTAL, 'input');
  const dockerErrors = byPlugin(current, METRIC.DOCKER_ERRORS_TOTAL, 'input');
  for (const [id, records] of inputsNow) {
    plugins.push({ kind: 'input', id, records, recordsPerSecond: rate(records, inputsBefore.get(id)), errors: dockerErrors.get(id) ?? 0, retries: 0, deadLettered: 0, queue: 0, bufferBytes: 0, lagSeconds: 0 });
  }
  const outputsNow = byPlugin(current, METRIC.OUTPUT_RECORDS_TOTAL, 'output');
  const outputsBefore = byPlugin(previous, METRIC.OUTPUT_RECORDS_TOTAL, 'output');
  const ids = new Set([...outputsNow.keys(), ...byPlugin(current, METRIC.OUTPUT_QUEUE_RECORDS, 'output').keys()]);
  const metric = (name: string) => byPlugin(current, name, 'output');
  const [errors, retries, dead, queue, buffer, lag] = [METRIC.OUTPUT_ERRORS_TOTAL, METRIC.OUTPUT_RETRIES_TOTAL, METRIC.OUTPUT_DEAD_LETTERED_TOTAL, METRIC.OUTPUT_QUEUE_RECORDS, METRIC.BUFFER_BYTES, METRIC.OUTPUT_LAG_SECONDS].map(metric) as Array<Map<string, number>>;
  for (const id of ids) {
    const records = outputsNow.get(id) ?? 0;
    plugins.push({
      kind: 'output', id, records, recordsPerSecond: rate(records, outputsBefore.get(id)),
      errors: errors!.get(id) ?? 0, retries: retries!.get(id) ?? 0, deadLettered: dead!.get(id) ?? 0,
      queue: queue!.get(id) ?? 0, bufferBytes: buffer!.get(id) ?? 0, lagSeconds: lag!.get(id) ?? 0,
    });
  }
  const outputs = plugins.filter((p) => p.kind === 'output');
  return {
    inPerSecond: plugins.filter((p) => p.kind === 'input').reduce((s, p) => s + p.recordsPerSecond, 0),
    outPerSecond: outputs.reduce((s, p) => s + p.recordsPerSecond, 0),
    lagSeconds: outputs.reduce((m, p) => Math.max(m, p.lagSeconds), 0),
    queued: total(current, METRIC.INPUT_QUEUE_RECORDS) + outputs.reduce((s, p) => s + p.queue, 0),
    bufferBytes: outputs.reduce((s, p) => s + p.bufferBytes, 0),
    errors: plugins.reduce((s, p) => s + p.errors, 0),
    plugins,
  };
}

const count = (n: number): string => Math.round(n).toLocaleString('en-US');

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** One line for a terminal: the whole shipper at a glance. */
export function statusLine(s: Status): string {
  return `logship  in ${count(s.inPerSecond)}/s  out ${count(s.outPerSecond)}/s  lag ${s.lagSeconds.toFixed(1)}s  queued ${count(s.queued)}  buffer ${bytes(s.bufferBytes)}  errors ${count(s.errors)}`;
}

/** The per-plugin table `logship top` prints. */
export function statusTable(s: Status): string {
  const header = ['plugin', 'kind', 'records/s', 'records', 'errors', 'retries', 'dead-lettered', 'queued', 'buffer', 'lag s'];
  const rows = s.plugins.map((p) => [p.id, p.kind, count(p.recordsPerSecond), count(p.records), count(p.errors), count(p.retries), count(p.deadLettered), count(p.queue), bytes(p.bufferBytes), p.kind === 'output' ? p.lagSeconds.toFixed(1) : '']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [statusLine(s), '', line(header), ...rows.map(line)].join('\n');
}

/** Prometheus text → a snapshot (names without the `logship_` prefix). */
export function parsePrometheus(text: string): Snapshot {
  const snapshot: Snapshot = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    const value = Number(line.slice(space + 1));
    if (space < 0 || !Number.isFinite(value)) continue;
    snapshot[line.slice(0, space).replace(/^logship_/, '')] = value;
  }
  return snapshot;
}
