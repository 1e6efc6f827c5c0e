import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Ack } from '../../core/ack.js';
import type { LogRecord, PipelineEvent } from '../../core/record.js';
import { StdoutOutput } from './stdout-output.js';
import { stdoutSchema } from './schema.js';

function event(n: number, message = `line ${n}`): PipelineEvent {
  const record: LogRecord = {
    '@timestamp': `2026-11-29T13:10:00.${String(n).padStart(9, '0')}Z`, message, stream: 'stderr', source: 'main',
    tag: 'docker.main.web', container: { id: 'c'.repeat(64), name: 'web', image: { name: 'img' }, labels: { a: 'é' } }, host: { name: 'h' },
  };
  return { record, ack: new Ack(() => undefined), bytes: 100 };
}

/** An event carrying JSON its input prepared (a recognisable variant, to see which was written). */
function withJson(n: number, text: string): PipelineEvent {
  const bytes = Buffer.from(text);
  return { ...event(n), json: { jsonBytes: bytes.length, writeJson: (target, offset) => offset + bytes.copy(target, offset) } };
}

async function written(format: 'json' | 'human', batches: PipelineEvent[][]): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const output = new StdoutOutput(stdoutSchema.parse({ format }), out);
  for (const batch of batches) await output.write(batch);
  return Buffer.concat(chunks).toString('utf8');
}

describe('stdout output', () => {
  it('json: serialises records, copies ready-made JSON, one line each, across batches', async () => {
    const text = await written('json', [[event(1, 'quote " and ünïcode'), withJson(2, '{"ready":2}')], [event(3)]]);
    expect(text.split('\n')).toEqual([JSON.stringify(event(1, 'quote " and ünïcode').record), '{"ready":2}', JSON.stringify(event(3).record), '']);
  });

  it('json: a batch larger than its first buffer guess', async () => {
    const huge = 'x'.repeat(1 << 20);
    const text = await written('json', [[event(1, huge), withJson(2, `{"m":"${huge}"}`)]]);
    expect(text.split('\n').map((l) => l.length)).toEqual([JSON.stringify(event(1, huge).record).length, huge.length + 8, 0]);
  });

  it('human: time, container, stream and message; ready-made JSON is not used', async () => {
    const text = await written('human', [[event(1), withJson(2, '{"ready":2}')]]);
    expect(text).toBe('2026-11-29T13:10:00.000000001Z web stderr| line 1\n2026-11-29T13:10:00.000000002Z web stderr| line 2\n');
  });

  it('human: any value in any field renders; a parsed null container does not stop the batch', async () => {
    const odd = event(2);
    Object.assign(odd.record, { container: null, '@timestamp': 12, stream: ['x'], message: { nested: true } });
    const text = await written('human', [[event(1), odd, event(3)]]);
    expect(text.split('\n')).toEqual([
      '2026-11-29T13:10:00.000000001Z web stderr| line 1',
      '12  ["x"]| {"nested":true}',
      '2026-11-29T13:10:00.000000003Z web stderr| line 3',
      '',
    ]);
  });

  it('human: terminal control sequences a container printed are shown escaped, never sent raw', async () => {
    const text = await written('human', [[event(1, '\u001b]0;owned\u0007 \u001b]52;c;ZXZpbA==\u0007 \u009b2J\r fake\ttab\nnext')]]);
    expect(text).toBe('2026-11-29T13:10:00.000000001Z web stderr| \\x1b]0;owned\\x07 \\x1b]52;c;ZXZpbA==\\x07 \\x9b2J\\x0d fake\ttab\n    next\n');
    // eslint-disable-next-line no-control-regex -- what must not reach the terminal
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('a record too deeply nested to serialise is that record\'s failure; the others are written', async () => {
    let nested: unknown = 0;
    for (let i = 0; i < 20_000; i += 1) nested = [nested];
    const deep = event(2);
    deep.record.payload = nested;
    for (const format of ['json', 'human'] as const) {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      const output = new StdoutOutput(stdoutSchema.parse({ format }), out);
      const result = await output.write([event(1), deep, event(3)]);
      if (format === 'json') {
        expect(result.failures.map((f) => [f.index, f.retriable, f.code])).toEqual([[1, false, 'RECORD_UNRENDERABLE']]);
        expect(Buffer.concat(chunks).toString('utf8').split('\n')).toHaveLength(3);
      } else expect(result.failures).toEqual([]);
    }
  });

  it('human: a line inside a message cannot pass for a record; bidirectional controls are shown escaped', async () => {
    const text = await written('human', [[event(1, 'real\n2026-11-29T13:10:00.000000009Z db stdout| forged \u202egnp.exe\u202c')]]);
    expect(text).toBe('2026-11-29T13:10:00.000000001Z web stderr| real\n    2026-11-29T13:10:00.000000009Z db stdout| forged \\u202egnp.exe\\u202c\n');
  });
});
