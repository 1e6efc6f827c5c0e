import { describe, expect, it } from 'vitest';
import { JsonLines } from './json-lines.js';

const encoded = (text: string) => {
  const bytes = Buffer.from(text);
  return { jsonBytes: bytes.length, writeJson: (target: Buffer, offset: number) => offset + bytes.copy(target, offset) };
};

describe('JsonLines', () => {
  it('appends ready-made and serialised lines, grows past its first buffer, keeps earlier bytes', () => {
    const lines = new JsonLines(8);
    lines.appendEncoded(encoded('{"a":1}'));
    lines.appendText('{"b":"ü"}');
    lines.appendEncoded(encoded(`{"c":"${'x'.repeat(100)}"}`));
    expect(lines.bytes().toString('utf8')).toBe(`{"a":1}\n{"b":"ü"}\n{"c":"${'x'.repeat(100)}"}\n`);
    expect(lines.byteLength).toBe(Buffer.byteLength(lines.bytes().toString('utf8')));
  });

  it('reset starts the next batch in the same memory', () => {
    const lines = new JsonLines(64);
    lines.appendText('{"first":1}');
    lines.reset();
    lines.appendText('{"second":2}');
    expect(lines.bytes().toString('utf8')).toBe('{"second":2}\n');
  });
});
