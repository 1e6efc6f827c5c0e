import { describe, expect, it } from 'vitest';
import { parsePrometheus, statusLine, statusTable, summarize } from './status.js';

const before = parsePrometheus(`# TYPE logship_input_records_total counter
logship_input_records_total{input="docker_logs_0"} 1000
logship_output_records_total{output="kafka_0"} 900
logship_output_queue_records{output="kafka_0"} 100
logship_input_queue_records 0
`);
const after = {
  'input_records_total{input="docker_logs_0"}': 3000,
  'output_records_total{output="kafka_0"}': 2500,
  'output_queue_records{output="kafka_0"}': 500,
  'output_errors_total{output="kafka_0"}': 2,
  'output_retries_total{output="kafka_0"}': 2,
  'buffer_bytes{output="kafka_0"}': 3 * 1024 * 1024,
  'output_lag_seconds{output="kafka_0"}': 1.25,
  input_queue_records: 20,
};

describe('live status', () => {
  it('parses Prometheus text without the logship_ prefix', () => {
    expect(before).toEqual({ 'input_records_total{input="docker_logs_0"}': 1000, 'output_records_total{output="kafka_0"}': 900, 'output_queue_records{output="kafka_0"}': 100, input_queue_records: 0 });
  });

  it('rates, lag, queue and buffer from two snapshots two seconds apart', () => {
    const status = summarize(before, after, 2);
    expect(status).toMatchObject({ inPerSecond: 1000, outPerSecond: 800, lagSeconds: 1.25, queued: 520, bufferBytes: 3 * 1024 * 1024, errors: 2 });
    expect(statusLine(status)).toBe('logship  in 1,000/s  out 800/s  lag 1.3s  queued 520  buffer 3.0 MiB  errors 2');
    const table = statusTable(status).split('\n');
    expect(table[2]).toMatch(/^plugin\s+kind\s+records\/s\s+records\s+errors\s+retries\s+dead-lettered\s+queued\s+buffer\s+lag s$/);
    expect(table[3]).toMatch(/^docker_logs_0\s+input\s+1,000\s+3,000\s+0\s+0\s+0\s+0\s+0 B\s*$/);
    expect(table[4]).toMatch(/^kafka_0\s+output\s+800\s+2,500\s+2\s+2\s+0\s+500\s+3\.0 MiB\s+1\.3$/);
  });
});
