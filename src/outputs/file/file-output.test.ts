import { mkdtempSync, readFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ack } from '../../core/ack.js';
import { createLogger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import type { LogRecord, PipelineEvent } from '../../core/record.js';
import { CheckpointStore } from '../../state/checkpoint-store.js';
import { FileOutput } from './file-output.js';

function event(n: number): PipelineEvent {
  const record: LogRecord = {
    '@timestamp': `2026-11-28T22:09:01.${String(n).padStart(9, '0')}Z`, message: `line ${n}`, stream: 'stdout', source: 'main',
    tag: 'docker.main.web', container: { id: 'c'.repeat(64), name: 'web', image: { name: 'img' }, labels: {} }, host: { name: 'h' },
  };
  return { record, ack: new Ack(() => undefined), bytes: 100 };
}

const range = (from: number, to: number): PipelineEvent[] => Array.from({ length: to - from + 1 }, (_, i) => event(from + i));

/** One shipper "process": a store over the state dir and a file output registered with it. */
function start(stateDir: string, path: string): { store: CheckpointStore; output: FileOutput; metrics: Metrics } {
  const store = new CheckpointStore(stateDir);
  const metrics = new Metrics();
  const output = new FileOutput({ path, mkdir: true, fsync: false, batch_max_records: 100 }, {
    id: 'file_0', logger: createLogger('silent'), hostName: 'h', stateDir, checkpoints: store, metrics,
  });
  return { store, output, metrics };
}

/** What the output runner does: write, then settle each record (as its only output). */
async function deliver(output: FileOutput, events: PipelineEvent[]): Promise<void> {
  await output.write(events);
  for (const e of events) e.ack.settle('delivered');
}

/** A run that checkpoints after `committed`, writes `uncommitted` and then dies (no close, no checkpoint). */
async function crashAfter(dir: string, path: string, committed: PipelineEvent[], uncommitted: PipelineEvent[]): Promise<void> {
  const run = start(dir, path);
  await deliver(run.output, committed);
  run.store.flush();
  await deliver(run.output, uncommitted);
}

function messages(path: string): string[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as LogRecord).message);
}

describe('file output across crashes', () => {
  it('does not write again what it wrote after the last checkpoint, even through a second crash mid-replay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-output-'));
    const path = join(dir, 'out.jsonl');

    // run 1: 1..10 committed, 11..20 written after the checkpoint, then a crash
    await crashAfter(dir, path, range(1, 10), range(11, 20));

    // run 2: the inputs resend from their checkpoint (11..); a checkpoint is taken mid-replay; crash again
    const run2 = start(dir, path);
    await deliver(run2.output, range(11, 14));
    run2.store.flush();
    expect(run2.metrics.get('file_replayed_lines_skipped_total', { output: 'file_0' })).toBe(4);

    // run 3: inputs still resend from 11 (their checkpoint did not pass the replayed lines)
    const run3 = start(dir, path);
    await deliver(run3.output, range(11, 25));
    run3.store.flush();
    await run3.output.close();
    expect(messages(path)).toEqual(range(1, 25).map((e) => e.record.message));
  });

  it('removes a line torn by a crash and writes it whole when it is resent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-output-'));
    const path = join(dir, 'out.jsonl');
    const run1 = start(dir, path);
    await deliver(run1.output, range(1, 3));
    run1.store.flush();
    appendFileSync(path, '{"@timestamp":"2026-11-28T22:09:01.0000');
    const run2 = start(dir, path);
    await deliver(run2.output, range(4, 5));
    await run2.output.close();
    expect(messages(path)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  });

  it('keeps lines that are never resent (their container is gone): nothing written is lost', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-output-'));
    const path = join(dir, 'out.jsonl');
    const run1 = start(dir, path);
    await deliver(run1.output, range(1, 2));
    run1.store.flush();
    await deliver(run1.output, range(3, 4));
    const run2 = start(dir, path);
    await deliver(run2.output, range(100, 101));
    await run2.output.close();
    expect(messages(path)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 100', 'line 101']);
  });
});

describe('file output commit with several outputs', () => {
  it('does not commit past records another output has not settled yet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-output-'));
    const path = join(dir, 'out.jsonl');
    const run1 = start(dir, path);
    await deliver(run1.output, range(1, 2));
    run1.store.flush();
    const committed = (JSON.parse(readFileSync(join(dir, 'checkpoints.json'), 'utf8')) as { entries: Record<string, { size: number }> }).entries['output:file_0']?.size;
    // records 3..4 are written here but wait for a second output: their acks stay open
    const pending = range(3, 4).map((e) => ({ ...e, ack: new Ack(() => undefined) }));
    for (const e of pending) e.ack.fork(2);
    await run1.output.write(pending);
    for (const e of pending) e.ack.settle('delivered');
    run1.store.flush();
    const state = JSON.parse(readFileSync(join(dir, 'checkpoints.json'), 'utf8')) as { entries: Record<string, { size: number }> };
    expect(state.entries['output:file_0']?.size).toBe(committed);
    // a crash now: the inputs resend 3..4, which are recognised
    const run2 = start(dir, path);
    await deliver(run2.output, range(3, 5));
    await run2.output.close();
    expect(messages(path)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  });
});

describe('replay keys', () => {
  it('ignore the receipt timestamp of exec records only', async () => {
    const { replayKey } = await import('./replay-filter.js');
    const exec = (ts: string) => `{"@timestamp":"${ts}","message":"file 1","stream":"stdout","source":"exec","tag":"t"}`;
    const main = (ts: string) => `{"@timestamp":"${ts}","message":"x","stream":"stdout","source":"main","tag":"t"}`;
    expect(replayKey(exec('2026-01-01T00:00:00.000000001Z'))).toBe(replayKey(exec('2026-01-01T00:00:09.000000001Z')));
    expect(replayKey(main('2026-01-01T00:00:00.000000001Z'))).not.toBe(replayKey(main('2026-01-01T00:00:09.000000001Z')));
  });

  it('writes batches larger than its encoding buffer, multi-byte characters included, exactly as JSON lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-out-'));
    const path = join(dir, 'out.jsonl');
    const { output } = start(join(dir, 'state'), path);
    const big = range(1, 300).map((e, i) => ({ ...e, record: { ...e.record, message: `${'ü€😀'.repeat(2000)} ${i}` } }));
    await deliver(output, big);
    await deliver(output, range(301, 302));
    const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
    expect(lines).toEqual([...big, ...range(301, 302)].map((e) => JSON.stringify(e.record)));
  });
});

describe('ready-made JSON from the input', () => {
  /** An event carrying the JSON its input prepared (here a recognisable variant, to see which was written). */
  function withJson(n: number, text: string): PipelineEvent {
    const base = event(n);
    const bytes = Buffer.from(text);
    return { ...base, json: { jsonBytes: bytes.length, writeJson: (target, offset) => offset + bytes.copy(target, offset) } };
  }

  it('is copied as it is, and larger than the encoding buffer too', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-json-'));
    const path = join(dir, 'out.jsonl');
    const { output } = start(join(dir, 'state'), path);
    const huge = `{"message":"${'x'.repeat(3 << 20)}"}`;
    await deliver(output, [withJson(1, '{"ready":1}'), event(2), withJson(3, huge)]);
    expect(readFileSync(path, 'utf8').split('\n')).toEqual(['{"ready":1}', JSON.stringify(event(2).record), huge, '']);
  });

  it('is not used while lines resent after a crash are being recognised (they are compared as text)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-json-replay-'));
    const path = join(dir, 'out.jsonl');
    await crashAfter(dir, path, range(1, 2), range(3, 4));
    const run2 = start(dir, path);
    await deliver(run2.output, [withJson(3, '{"not":"written"}'), withJson(4, '{"not":"written"}'), event(5)]);
    expect(messages(path)).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
  });
});

describe('file output and records that cannot be serialised', () => {
  it('reports the one record too deeply nested to serialise and writes the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'file-out-'));
    const path = join(dir, 'out.jsonl');
    const { output } = start(dir, path);
    let nested: unknown = 0;
    for (let i = 0; i < 20_000; i += 1) nested = { n: nested };
    const deep = event(2);
    deep.record.payload = nested;
    const result = await output.write([event(1), deep, event(3)]);
    expect(result.failures.map((f) => [f.index, f.retriable, f.code])).toEqual([[1, false, 'RECORD_UNRENDERABLE']]);
    expect(messages(path)).toEqual(['line 1', 'line 3']);
  });
});
