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
});
