import { describe, expect, it } from 'vitest';
import type { ContainerMeta, LogRecord } from '../../core/record.js';
import { deepFreeze, recordToJson } from '../../core/record-json.js';
import { LabelKeys } from './label-keys.js';

/** A docker_logs record and its ready-made JSON as prefix + shared tail, the way the input makes them. */
function recordAndTail(labels: Record<string, string>): { record: LogRecord; prefix: string; tail: Buffer } {
  const container = deepFreeze({ id: 'c'.repeat(64), name: 'web', image: { name: 'img:1' }, labels }) as unknown as ContainerMeta;
  const host = deepFreeze({ name: 'node-1' });
  const fields = { stream: 'stdout', source: 'main', tag: 'docker.web', container, host } as unknown as LogRecord;
  const record = Object.assign({ '@timestamp': '2026-12-06T10:00:00.000000001Z', message: 'say "hi" ✓' }, fields) as LogRecord;
  const prefix = `{"@timestamp":"2026-12-06T10:00:00.000000001Z","message":${JSON.stringify(record.message).slice(0, -1)}`;
  return { record, prefix, tail: Buffer.from(`"${recordToJson(fields).replace(/^\{/, ',')}`) };
}

describe('LabelKeys', () => {
  it('a de-dotted shared tail gives the same document as de-dotting the record', () => {
    const keys = new LabelKeys();
    const cases: Array<Record<string, string>> = [
      {},
      { app: 'web' },
      { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web', plain: 'x' },
      { 'a.b': '1', a_b: '2' },
      { 'q"u.o\\te': 'v"al', 'ü.ñ': '✓', '__proto__': 'p', 'x.\u0001': '\u2028' },
    ];
    for (const labels of cases) {
      const { record, prefix, tail } = recordAndTail(labels);
      expect(`${prefix}${keys.tail(tail).toString()}`).toBe(JSON.stringify(keys.record(record)));
    }
  });

  it('a tail without dotted label keys is used as it is, and each tail is de-dotted once', () => {
    const keys = new LabelKeys();
    const plain = recordAndTail({ app: 'web' }).tail;
    expect(keys.tail(plain)).toBe(plain);
    const dotted = recordAndTail({ 'com.x': 'y' }).tail;
    expect(keys.tail(dotted)).toBe(keys.tail(dotted));
    expect(keys.tail(dotted).toString()).toContain('"com_x":"y"');
  });

  it('metadata that parsed content replaced is left alone', () => {
    const keys = new LabelKeys();
    for (const container of [null, 'text', 7, { labels: null }, { labels: 'x' }]) {
      const record = { message: 'm', container } as unknown as LogRecord;
      expect(keys.record(record)).toBe(record);
    }
  });
});
