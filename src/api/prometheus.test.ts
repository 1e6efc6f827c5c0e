import { describe, expect, it } from 'vitest';
import { METRIC } from '../core/metric-names.js';
import { Metrics } from '../core/metrics.js';
import { prometheusText } from './prometheus.js';

describe('prometheusText', () => {
  it('gives each catalogued metric its HELP line before its TYPE line, and none to a name outside the catalogue', () => {
    const metrics = new Metrics();
    metrics.inc(METRIC.OUTPUT_RECORDS_TOTAL, { output: 'file_0' }, 3);
    metrics.gauge(METRIC.OUTPUT_LAG_SECONDS, { output: 'file_0' }, () => 1.5);
    metrics.inc('not_catalogued_total');
    expect(prometheusText(metrics)).toBe(
      [
        '# TYPE logship_not_catalogued_total counter',
        'logship_not_catalogued_total 1',
        '# HELP logship_output_lag_seconds now minus the @timestamp of the newest delivered record',
        '# TYPE logship_output_lag_seconds gauge',
        'logship_output_lag_seconds{output="file_0"} 1.5',
        '# HELP logship_output_records_total records delivered',
        '# TYPE logship_output_records_total counter',
        'logship_output_records_total{output="file_0"} 3',
        '',
      ].join('\n'),
    );
  });
});
