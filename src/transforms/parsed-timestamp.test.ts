import { describe, expect, it } from 'vitest';
import { jsonParserTransform } from './json/index.js';
import { logfmtParserTransform } from './logfmt/index.js';
import { normalizeParsedTimestamp } from './parsed-timestamp.js';
import { through } from '../../test/helpers/transform-harness.js';

const HOSTILE: [string, unknown][] = [
  ['1e300', 1e300],
  ['-1e300', -1e300],
  ['Number.MAX_VALUE', Number.MAX_VALUE],
  ['-1', -1],
  ['-1 ms', -1e12],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['ms after 9999', 253402300800000],
  ['"NaN"', 'NaN'],
  ['"Infinity"', 'Infinity'],
  ['"1e300"', '1e300'],
  ['""', ''],
  ['"   "', '   '],
  ['"yesterday"', 'yesterday'],
  ['null', null],
  ['true', true],
  ['false', false],
  ['undefined', undefined],
  ['{}', {}],
  ['{"$date":…}', { $date: '2024-01-01T00:00:00Z' }],
  ['[]', []],
  ['[ISO]', ['2024-01-01T00:00:00Z']],
  ['[epoch]', [1700000000]],
  ['object with a throwing toString', { toString: (): string => { throw new Error('boom'); }, valueOf: (): number => { throw new Error('boom'); } }],
  ['1 MiB of digits', '2'.repeat(1024 * 1024)],
  ['1 MiB after a valid time', `2024-01-01T00:00:00Z${' '.repeat(1024 * 1024)}x`],
  ['month 19, day 39, 29:69:99', '2024-19-39T29:69:99Z'],
  ['year 0', '0000-01-01T00:00:00Z'],
  ['year 1969', '1969-12-31T23:59:59Z'],
  ['before 1970 once offset', '1970-01-01T00:30:00+01:00'],
  ['after 9999 once offset', '9999-12-31T23:30:00-01:00'],
  ['month 0', '2024-00-10T00:00:00Z'],
  ['month 13', '2024-13-10T00:00:00Z'],
  ['day 0', '2024-01-00T00:00:00Z'],
  ['April 31', '2024-04-31T00:00:00Z'],
  ['February 30', '2024-02-30T00:00:00Z'],
  ['February 29, 2023', '2023-02-29T00:00:00Z'],
  ['February 29, 1900-style century', '2100-02-29T00:00:00Z'],
  ['hour 24', '2024-01-01T24:00:00Z'],
  ['minute 60', '2024-01-01T12:60:00Z'],
  ['second 61', '2024-01-01T12:00:61Z'],
  ['offset +25:00', '2024-01-01T12:00:00+25:00'],
  ['offset minutes 75', '2024-01-01T12:00:00+01:75'],
  ['10 fraction digits', '2024-01-01T12:00:00.1234567890Z'],
  ['5-digit year', '+10000-01-01T00:00:00Z'],
  ['date only', '2024-01-01'],
  ['Arabic-Indic digits', '٢٠٢٤-01-01T00:00:00Z'],
];

describe('normalizeParsedTimestamp', () => {
  it.each(HOSTILE)('refuses %s, without throwing', (_name, value) => {
    expect(normalizeParsedTimestamp(value)).toBeUndefined();
  });

  it.each([
    ['2026-11-28T10:00:00.123Z', '2026-11-28T10:00:00.123000000Z'],
    ['2026-11-28 10:00:00,5', '2026-11-28T10:00:00.500000000Z'],
    ['2026-11-28T10:00:00.123456789+01:00', '2026-11-28T09:00:00.123456789Z'],
    ['2026-11-28T10:00:00-0530', '2026-11-28T15:30:00.000000000Z'],
    ['  2026-11-28T10:00:00Z\n', '2026-11-28T10:00:00.000000000Z'],
    ['1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000000000Z'],
    ['9999-12-31T23:59:59.999999999Z', '9999-12-31T23:59:59.999999999Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000000000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000000000Z'],
    // a leap second: the last instant of its minute, so that order is kept
    ['2016-12-31T23:59:60Z', '2016-12-31T23:59:59.999999999Z'],
    ['2017-01-01T00:59:60.5+01:00', '2016-12-31T23:59:59.999999999Z'],
    [1700000000, '2023-11-14T22:13:20.000000000Z'],
    [1700000000.5, '2023-11-14T22:13:20.500000000Z'],
    [1700000000123, '2023-11-14T22:13:20.123000000Z'],
    [0, '1970-01-01T00:00:00.000000000Z'],
    [253402300799999, '9999-12-31T23:59:59.999000000Z'],
  ])('takes %j as %s', (value, expected) => {
    expect(normalizeParsedTimestamp(value)).toBe(expected);
  });
});

describe('a parser given a hostile time', () => {
  const jsonValues = ['1e300', '-1', 'null', 'true', '{}', '[]', '[1700000000]', '"2024-19-39T29:69:99Z"', '"0000-01-01T00:00:00Z"', '"2023-02-29T00:00:00Z"', '"NaN"', `"${'9'.repeat(100_000)}"`];

  it.each(jsonValues.map((v) => [v.length > 40 ? `${v.slice(0, 20)}… (${v.length} characters)` : v, v]))('json {"time":%s}: the record is delivered with its fields and its own @timestamp, marked parse_error', (_name, value) => {
    const { out, outcomes, metrics } = through(jsonParserTransform, { timestamp_field: 'time' }, [`{"time":${value},"level":"info"}`]);
    expect(outcomes.filter((o) => o !== 'delivered')).toEqual([]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ level: 'info', time: JSON.parse(value), '@timestamp': '2026-11-29T01:00:00.000000000Z', parse_error: expect.stringMatching(/^timestamp_field "time": not a valid time/) });
    expect(metrics.get('parse_errors_total', { transform: 't' })).toBe(1);
  });

  it('json: a valid time is taken and nothing is marked; a missing one is not an error', () => {
    const { out, metrics } = through(jsonParserTransform, { timestamp_field: 'time' }, ['{"time":"2026-11-28T10:00:00Z"}', '{"level":"info"}']);
    expect(out[0]).toEqual(expect.objectContaining({ '@timestamp': '2026-11-28T10:00:00.000000000Z' }));
    expect(out[0]).not.toHaveProperty('parse_error');
    expect(out[1]).toEqual(expect.objectContaining({ '@timestamp': '2026-11-29T01:00:00.000000000Z', level: 'info' }));
    expect(out[1]).not.toHaveProperty('parse_error');
    expect(metrics.get('parse_errors_total', { transform: 't' })).toBe(0);
  });

  it('logfmt ts=2024-04-31T00:00:00Z is marked too', () => {
    const { out } = through(logfmtParserTransform, { timestamp_field: 'ts' }, ['ts=2024-04-31T00:00:00Z a=b']);
    expect(out[0]).toMatchObject({ a: 'b', '@timestamp': '2026-11-29T01:00:00.000000000Z', parse_error: expect.stringMatching(/timestamp_field "ts"/) });
  });
});
