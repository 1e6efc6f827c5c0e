import { describe, expect, it } from 'vitest';
import { parseSpoolEntry } from './spool-entry.js';

const record = { '@timestamp': 't', message: 'm', tag: 'docker.x' };

describe('spool entries', () => {
  it('keep a record\'s origin and source position (exactly-once outputs skip replays by it)', () => {
    const position = { source: 'docker_logs_0/c/stdout', at: '2026-12-06T19:00:00.000000001Z', n: 2 };
    expect(parseSpoolEntry(Buffer.from(JSON.stringify({ record, origin: 'o', position })))).toEqual({ record, origin: 'o', position });
    expect(parseSpoolEntry(Buffer.from(JSON.stringify({ record })))).toEqual({ record });
  });

  it.each([
    ['a position that is not an object', { record, position: 'p' }],
    ['a position without a source', { record, position: { at: '', n: 1 } }],
    ['a position whose n is not a number', { record, position: { source: 's', at: '', n: '1' } }],
    ['a position whose at is not text', { record, position: { source: 's', at: 1, n: 1 } }],
  ])('refuse %s', (_what, entry) => {
    expect(parseSpoolEntry(Buffer.from(JSON.stringify(entry)))).toBe('its position is not a source, at and n');
  });
});
