import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../config/load.js';
import { PipelineRuntime } from './runtime.js';

function lines(path: string): Array<{ message: string; env?: string }> {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { message: string; env?: string });
}

const numberOf = (r: { message: string }): number => Number(r.message.split(' ')[0]);

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PipelineRuntime.reload', () => {
  it('keeps unchanged plugins running, hands a changed output its queue, adds and removes plugins, loses and doubles nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reload-'));
    const [a, a2, b] = ['a.jsonl', 'a2.jsonl', 'b.jsonl'].map((f) => join(dir, f)) as [string, string, string];
    const yaml = (outputs: string, transforms = ''): string =>
      `inputs:\n  - { type: generator, id: gen, rate: 3000, message_bytes: 20 }\n${transforms}outputs:\n${outputs}`;
    const first = yaml(`  - { type: file, id: a, path: ${a} }\n`);
    const runtime = new PipelineRuntime(parsePipeline(first, 'p.yaml', {}), { stateDir: join(dir, 'state'), logger: pino({ level: 'silent' }) });
    await runtime.start();
    await until('lines in a', () => lines(a).length > 300);

    // add b: the generator is kept (its numbering goes on), a is kept
    let result = await runtime.reload(parsePipeline(yaml(`  - { type: file, id: a, path: ${a} }\n  - { type: file, id: b, path: ${b} }\n`), 'p.yaml', {}));
    expect(result.plan.inputs.kept.map((k) => k.after.id)).toEqual(['gen']);
    expect(result.plan.outputs.added.map((o) => o.id)).toEqual(['b']);
    await until('lines in b', () => lines(b).length > 300);
    expect(numberOf(lines(b)[0]!)).toBeGreaterThan(300);

    // change a's path and add a transform: a's successor takes its queue; the chain is rebuilt
    result = await runtime.reload(
      parsePipeline(yaml(`  - { type: file, id: a, path: ${a2} }\n  - { type: file, id: b, path: ${b} }\n`, 'transforms:\n  - { type: modify, set: { env: reloaded } }\n'), 'p.yaml', {}),
    );
    expect(result.plan.outputs.changed.map((c) => c.after.id)).toEqual(['a']);
    expect(result.plan.transformsChanged).toBe(true);
    expect(result.failed).toEqual([]);
    await until('lines in a2', () => lines(a2).length > 300);
    expect(lines(a2).at(-1)?.env).toBe('reloaded');

    // remove b
    result = await runtime.reload(parsePipeline(yaml(`  - { type: file, id: a, path: ${a2} }\n`, 'transforms:\n  - { type: modify, set: { env: reloaded } }\n'), 'p.yaml', {}));
    expect(result.plan.outputs.removed.map((o) => o.id)).toEqual(['b']);
    const bAfterRemoval = lines(b).length;
    await until('more lines in a2', () => lines(a2).length > 600);
    expect(lines(b).length).toBe(bAfterRemoval);
    expect(runtime.metrics.get('output_queue_records', { output: 'b' })).toBe(0);
    await runtime.stop();

    // a then a2: every generated number exactly once, in order
    const numbers = [...lines(a), ...lines(a2)].map(numberOf);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
    const inB = lines(b).map(numberOf);
    expect(inB).toEqual(Array.from({ length: inB.length }, (_, i) => inB[0]! + i));
  });

  it('an unchanged pipeline changes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reload-'));
    const text = `inputs:\n  - { type: generator, count: 10 }\noutputs:\n  - { type: file, path: ${join(dir, 'out.jsonl')} }\n`;
    const runtime = new PipelineRuntime(parsePipeline(text, 'p.yaml', {}), { stateDir: join(dir, 'state'), logger: pino({ level: 'silent' }) });
    await runtime.start();
    const result = await runtime.reload(parsePipeline(text, 'p.yaml', {}));
    expect(result.plan.inputs.kept).toHaveLength(1);
    expect(result.plan.outputs.kept).toHaveLength(1);
    await runtime.stop();
    expect(lines(join(dir, 'out.jsonl'))).toHaveLength(10);
  });

  it('a changed output with a disk buffer resumes the spool where its predecessor stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reload-'));
    const [a, a2] = ['a.jsonl', 'a2.jsonl'].map((f) => join(dir, f)) as [string, string];
    const yaml = (path: string): string =>
      `inputs:\n  - { type: generator, id: gen, rate: 5000, message_bytes: 20 }\noutputs:\n  - { type: file, id: a, path: ${path}, buffer: { type: disk } }\n`;
    const runtime = new PipelineRuntime(parsePipeline(yaml(a), 'p.yaml', {}), { stateDir: join(dir, 'state'), logger: pino({ level: 'silent' }) });
    await runtime.start();
    await until('lines in a', () => lines(a).length > 500);
    const result = await runtime.reload(parsePipeline(yaml(a2), 'p.yaml', {}));
    expect(result.plan.outputs.changed.map((c) => c.after.id)).toEqual(['a']);
    await until('lines in a2', () => lines(a2).length > 500);
    await runtime.stop();
    const numbers = [...lines(a), ...lines(a2)].map(numberOf);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => i + 1));
  });
});
