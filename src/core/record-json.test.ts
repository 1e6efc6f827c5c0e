import { describe, expect, it } from 'vitest';
import type { LogRecord } from './record.js';
import { deepFreeze, recordToJson } from './record-json.js';

describe('recordToJson', () => {
  const container = deepFreeze({ id: 'a'.repeat(64), name: 'web', image: { name: 'img:1' }, labels: { 'com.example.x': 'q"uote', emoji: '✓' } });
  const host = deepFreeze({ name: 'node-1' });
  const record: LogRecord = {
    '@timestamp': '2026-11-28T22:09:01.123456789Z', message: 'a "quoted" line\twith\u0000control \ud83d', stream: 'stdout', source: 'main',
    tag: 'docker.main.web', container, host, log: { truncated: true, original_bytes: 5 }, skipped: undefined,
  };

  it('is byte-identical to JSON.stringify, also on the second use of cached parts', () => {
    expect(recordToJson(record)).toBe(JSON.stringify(record));
    const next = { ...record, message: 'second' };
    expect(recordToJson(next)).toBe(JSON.stringify(next));
  });

  it('does not cache objects that are not frozen', () => {
    const meta = { id: 'x', name: 'a', image: { name: 'i' }, labels: {} };
    const r = { ...record, container: meta };
    expect(recordToJson(r)).toBe(JSON.stringify(r));
    meta.name = 'b';
    expect(recordToJson(r)).toBe(JSON.stringify(r));
  });

  it('quotes strings exactly as JSON.stringify does, escapes and surrogates included', () => {
    const samples = ['plain', '', 'tab\there', 'quote " and \\ backslash', 'nul \u0000 esc \u001b del \u007f', 'emoji 😀 pair', 'lone \ud83d high', 'lone \ude00 low', 'line\u2028sep', 'ünïcödé', '</script>'];
    for (const message of samples) {
      const r = { ...record, message };
      expect(recordToJson(r)).toBe(JSON.stringify(r));
    }
  });

  it('serialises fields named like Object.prototype members (constructor, toString) as any other', () => {
    const r = { ...record, constructor: 'c', toString: 't', hasOwnProperty: 1, __defineGetter__: null } as unknown as LogRecord;
    expect(recordToJson(r)).toBe(JSON.stringify(r));
    expect(recordToJson(r)).toBe(JSON.stringify(r));
  });
});
