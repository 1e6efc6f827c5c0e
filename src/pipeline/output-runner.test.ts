import { readFileSync, statSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Ack, type Outcome } from '../core/ack.js';
import { Channel } from '../core/channel.js';
import { LogshipError } from '../core/errors.js';
import { Metrics } from '../core/metrics.js';
import type { PipelineEvent } from '../core/record.js';
import type { ItemFailure, Output } from '../plugins/types.js';
import { CheckpointStore } from '../state/checkpoint-store.js';
import { DiskBuffer } from './disk-buffer/disk-buffer.js';
import { OutputRunner } from './output-runner.js';

function event(n: number, outcomes: Map<number, Outcome>): PipelineEvent {
  const record = { '@timestamp': '2026-11-29T00:00:00.000000000Z', message: `line ${n}`, stream: 'stdout' as const, source: 'main' as const, tag: 't', container: { id: 'c', name: 'n', image: { name: 'i' }, labels: {} }, host: { name: 'h' } };
  return { record, ack: new Ack((o) => outcomes.set(n, o)), bytes: 10 };
}

/** An output that answers each write() from a script, and remembers what it was sent. */
class ScriptedOutput implements Output {
  readonly sent: string[][] = [];
  constructor(private readonly answers: Array<(batch: readonly PipelineEvent[]) => { failures: ItemFailure[] } | void>) {}
  async write(batch: readonly PipelineEvent[]): Promise<{ failures: ItemFailure[] } | void> {
    this.sent.push(batch.map((e) => e.record.message));
    const answer = this.answers.shift();
    return answer?.(batch);
  }
  async close(): Promise<void> {}
}

async function run(output: Output, count: number): Promise<{ outcomes: Map<number, Outcome>; deadLetters: Array<{ code: string; reason: string; record: { message: string } }>; metrics: Metrics }> {
  const dir = mkdtempSync(join(tmpdir(), 'runner-'));
  const metrics = new Metrics();
  const runner = new OutputRunner({
    id: 'out', output, maxBatchRecords: 100, lingerMs: 0, deadLetterPath: join(dir, 'dl.jsonl'),
    queue: { maxRecords: 100, maxBytes: 1e6 }, logger: pino({ level: 'silent' }), metrics,
  });
  const outcomes = new Map<number, Outcome>();
  for (let n = 0; n < count; n += 1) runner.queue.offer(event(n, outcomes), 10);
  runner.start();
  await runner.stop(Date.now() + 5_000);
  let deadLetters: Array<{ code: string; reason: string; record: { message: string } }> = [];
  try {
    deadLetters = readFileSync(join(dir, 'dl.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as (typeof deadLetters)[number]);
  } catch {
    // no dead letters
  }
  return { outcomes, deadLetters, metrics };
}

describe('OutputRunner settlement', () => {
  it('sends again only the records that failed retriably, in order; dead-letters the rejected with their reason', async () => {
    const output = new ScriptedOutput([
      () => ({ failures: [
        { index: 1, retriable: true, code: 'BROKER_DOWN', reason: 'leader not available' },
        { index: 2, retriable: false, code: 'TOO_LARGE', reason: 'message too large' },
        { index: 3, retriable: true, code: 'BROKER_DOWN', reason: 'leader not available' },
      ] }),
      () => undefined,
    ]);
    const { outcomes, deadLetters, metrics } = await run(output, 5);
    expect(output.sent).toEqual([['line 0', 'line 1', 'line 2', 'line 3', 'line 4'], ['line 1', 'line 3']]);
    expect([...outcomes.entries()].sort()).toEqual([[0, 'delivered'], [1, 'delivered'], [2, 'dead_lettered'], [3, 'delivered'], [4, 'delivered']]);
    expect(deadLetters.map((d) => [d.code, d.reason, d.record.message])).toEqual([['TOO_LARGE', 'message too large', 'line 2']]);
    expect(metrics.get('output_dead_lettered_total', { output: 'out' })).toBe(1);
    expect(metrics.get('output_records_total', { output: 'out' })).toBe(4);
  });

  it('a thrown retriable error retries the whole batch; a non-retriable one dead-letters it', async () => {
    const retried = new ScriptedOutput([
      () => {
        throw new LogshipError('KAFKA_UNREACHABLE', 'broker down', { retriable: true });
      },
      () => undefined,
    ]);
    expect((await run(retried, 2)).outcomes).toEqual(new Map([[0, 'delivered'], [1, 'delivered']]));
    expect(retried.sent).toHaveLength(2);

    const rejected = new ScriptedOutput([
      () => {
        throw new LogshipError('KAFKA_TOPIC_AUTHORIZATION', 'not allowed to write topic x', { retriable: false });
      },
    ]);
    const { outcomes, deadLetters } = await run(rejected, 2);
    expect(outcomes).toEqual(new Map([[0, 'dead_lettered'], [1, 'dead_lettered']]));
    expect(deadLetters.map((d) => d.code)).toEqual(['KAFKA_TOPIC_AUTHORIZATION', 'KAFKA_TOPIC_AUTHORIZATION']);
  });
});

describe('OutputRunner and records that cannot be rendered', () => {
  /** An output whose rendering fails on one record, the way JSON.stringify fails on deep nesting. */
  function poisonedBy(poison: string): { output: Output; sent: string[] } {
    const sent: string[] = [];
    const output: Output = {
      async write(batch) {
        for (const e of batch) if (e.record.message === poison) throw new RangeError('Maximum call stack size exceeded');
        sent.push(...batch.map((e) => e.record.message));
      },
      async close() {},
    };
    return { output, sent };
  }

  it('dead-letters the one record whose rendering throws and delivers the rest of its batch, in order', async () => {
    const { output, sent } = poisonedBy('line 2');
    const { outcomes, deadLetters, metrics } = await run(output, 5);
    expect(sent).toEqual(['line 0', 'line 1', 'line 3', 'line 4']);
    expect([...outcomes.entries()].sort()).toEqual([[0, 'delivered'], [1, 'delivered'], [2, 'dead_lettered'], [3, 'delivered'], [4, 'delivered']]);
    expect(deadLetters.map((d) => [d.code, d.reason, d.record.message])).toEqual([['RECORD_UNRENDERABLE', 'cannot render the record: Maximum call stack size exceeded', 'line 2']]);
    expect(metrics.get('output_retries_total', { output: 'out' })).toBe(0);
  });

  it('does not hold later batches behind a poison record', async () => {
    const { output, sent } = poisonedBy('line 0');
    const { outcomes } = await run(output, 250);
    expect(sent).toHaveLength(249);
    expect(outcomes.get(0)).toBe('dead_lettered');
    expect(outcomes.size).toBe(250);
  });

  it('writes a record too deeply nested to serialise to the dead-letter file, cut at a fixed depth', async () => {
    const outcomes = new Map<number, Outcome>();
    const deep = event(0, outcomes);
    let nested: unknown = 'bottom';
    for (let i = 0; i < 20_000; i += 1) nested = [nested];
    (deep.record as Record<string, unknown>).payload = nested;
    const dir = mkdtempSync(join(tmpdir(), 'runner-'));
    const output: Output = {
      async write(batch) {
        for (const e of batch) JSON.stringify(e.record);
      },
      async close() {},
    };
    const runner = new OutputRunner({
      id: 'out', output, maxBatchRecords: 100, lingerMs: 0, deadLetterPath: join(dir, 'dl', 'out.jsonl'),
      queue: { maxRecords: 100, maxBytes: 1e6 }, logger: pino({ level: 'silent' }), metrics: new Metrics(),
    });
    runner.queue.offer(deep, 10);
    runner.queue.offer(event(1, outcomes), 10);
    runner.start();
    await runner.stop(Date.now() + 5_000);
    expect(outcomes).toEqual(new Map([[0, 'dead_lettered'], [1, 'delivered']]));
    const line = JSON.parse(readFileSync(join(dir, 'dl', 'out.jsonl'), 'utf8')) as { code: string; record_cut: boolean; record: { message: string } };
    expect(line.code).toBe('RECORD_UNRENDERABLE');
    expect(line.record_cut).toBe(true);
    expect(line.record.message).toBe('line 0');
    expect(statSync(join(dir, 'dl', 'out.jsonl')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'dl')).mode & 0o777).toBe(0o700);
  });
});

describe('OutputRunner with a disk buffer and a record too deep to spool', () => {
  it('dead-letters that record and spools and delivers the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-'));
    const metrics = new Metrics();
    const logger = pino({ level: 'silent' });
    const buffer = new DiskBuffer({ id: 'out', dir: join(dir, 'spool'), maxBytes: 1 << 20, whenFull: 'block', checkpoints: new CheckpointStore(dir), logger, metrics, replayRecords: 50 });
    const sent: string[] = [];
    const output: Output = {
      async write(batch) {
        sent.push(...batch.map((e) => e.record.message));
      },
      async close() {},
    };
    const runner = new OutputRunner({ id: 'out', output, maxBatchRecords: 100, lingerMs: 0, deadLetterPath: join(dir, 'dl.jsonl'), queue: { maxRecords: 100, maxBytes: 1e6 }, buffer, logger, metrics });
    const outcomes = new Map<number, Outcome>();
    const deep = event(1, outcomes);
    let nested: unknown = 0;
    for (let i = 0; i < 20_000; i += 1) nested = [nested];
    (deep.record as Record<string, unknown>).payload = nested;
    runner.queue.offer(event(0, outcomes), 10);
    runner.queue.offer(deep, 10);
    runner.queue.offer(event(2, outcomes), 10);
    runner.start();
    const deadline = Date.now() + 5_000;
    while (sent.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await runner.stop(Date.now() + 2_000);
    expect(sent).toEqual(['line 0', 'line 2']);
    expect(outcomes.get(1)).toBe('dead_lettered');
    const line = JSON.parse(readFileSync(join(dir, 'dl.jsonl'), 'utf8')) as { code: string; reason: string };
    expect(line.code).toBe('RECORD_UNRENDERABLE');
    expect(line.reason).toContain('cannot write the record to the disk buffer');
  });
});

describe('OutputRunner with concurrent writes', () => {
  it('has up to concurrentWrites batches in write() at once; retries go in batch order', async () => {
    const calls: string[] = [];
    let inWrite = 0;
    let most = 0;
    const output: Output = {
      async write(batch, attempt) {
        inWrite += 1;
        most = Math.max(most, inWrite);
        const first = batch[0]!.record.message;
        calls.push(`${first} #${attempt?.attempt}`);
        // the first batch is slow and fails once; the second fails at once: its retry must still come after the first's
        await new Promise((r) => setTimeout(r, first === 'line 0' ? 50 : 1));
        inWrite -= 1;
        const fail = (attempt?.attempt ?? 1) === 1 && (first === 'line 0' || first === 'line 10');
        return { failures: fail ? [{ index: 0, retriable: true, code: 'DOWN', reason: 'down' }] : [] };
      },
      async close() {},
    };
    const dir = mkdtempSync(join(tmpdir(), 'runner-'));
    const runner = new OutputRunner({
      id: 'out', output, maxBatchRecords: 10, lingerMs: 0, concurrentWrites: 2, deadLetterPath: join(dir, 'dl.jsonl'),
      queue: { maxRecords: 100, maxBytes: 1e6 }, logger: pino({ level: 'silent' }), metrics: new Metrics(),
    });
    const outcomes = new Map<number, Outcome>();
    for (let n = 0; n < 30; n += 1) runner.queue.offer(event(n, outcomes), 10);
    runner.start();
    await runner.stop(Date.now() + 5_000);
    expect(most).toBe(2);
    expect(calls.indexOf('line 0 #2')).toBeLessThan(calls.indexOf('line 10 #2'));
    expect(calls.filter((c) => c.endsWith('#1'))).toEqual(['line 0 #1', 'line 10 #1', 'line 20 #1']);
    expect([...outcomes.values()].every((o) => o === 'delivered')).toBe(true);
    expect(outcomes.size).toBe(30);
  });

  it('handOver() gives the records it holds back to the queue, in order, and a new runner delivers each once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-'));
    const queue = new Channel<PipelineEvent>(1000, 1e6);
    // the first output delivers the first half of each batch and keeps failing the rest (retriable)
    const firstSent: string[] = [];
    const failingHalf: Output = {
      async write(batch) {
        const half = Math.ceil(batch.length / 2);
        firstSent.push(...batch.slice(0, half).map((e) => e.record.message));
        return { failures: batch.slice(half).map((_, i) => ({ index: half + i, retriable: true, code: 'DOWN', reason: 'down' })) };
      },
      async close() {},
    };
    const options = { id: 'out', maxBatchRecords: 10, lingerMs: 0, concurrentWrites: 2, deadLetterPath: join(dir, 'dl.jsonl'), queue, logger: pino({ level: 'silent' }), metrics: new Metrics() };
    const first = new OutputRunner({ ...options, output: failingHalf });
    const outcomes = new Map<number, Outcome>();
    for (let n = 0; n < 100; n += 1) queue.offer(event(n, outcomes), 10);
    first.start();
    await new Promise((r) => setTimeout(r, 150));
    const handedBack = await first.handOver(Date.now() + 5_000);
    expect(handedBack).toBeGreaterThan(0);
    expect(queue.isClosed).toBe(false);
    expect(queue.length).toBe(100 - firstSent.length);

    const second = new ScriptedOutput([]);
    const next = new OutputRunner({ ...options, output: second });
    next.start();
    await next.stop(Date.now() + 5_000);
    const all = [...firstSent, ...second.sent.flat()];
    expect(all.sort()).toEqual(Array.from({ length: 100 }, (_, n) => `line ${n}`).sort());
    // what the second runner got is in the original order
    const numbers = second.sent.flat().map((m) => Number(m.split(' ')[1]));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(outcomes.size).toBe(100);
  });

  it.each([
    [false, 'gives up at the deadline: the late write\'s records are not handed back'],
    [true, 'waits for it past the deadline (handOverAfterWrites): its failed records are handed back'],
  ])('handOver() during a write that outlasts the deadline: handOverAfterWrites %s %s', async (handOverAfterWrites) => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-'));
    const queue = new Channel<PipelineEvent>(1000, 1e6);
    // the write takes 600 ms and then fails every record retriably (a transaction aborted by the successor)
    const slow: Output = {
      async write(batch) {
        await new Promise((r) => setTimeout(r, 600));
        return { failures: batch.map((_, index) => ({ index, retriable: true, code: 'ABORTED', reason: 'aborted' })) };
      },
      async close() {},
    };
    const runner = new OutputRunner({ id: 'out', output: slow, maxBatchRecords: 10, lingerMs: 0, deadLetterPath: join(dir, 'dl.jsonl'), queue, logger: pino({ level: 'silent' }), metrics: new Metrics(), handOverAfterWrites });
    const outcomes = new Map<number, Outcome>();
    for (let n = 0; n < 5; n += 1) queue.offer(event(n, outcomes), 10);
    runner.start();
    await new Promise((r) => setTimeout(r, 50));
    const handedBack = await runner.handOver(Date.now() + 100);
    expect(handedBack).toBe(handOverAfterWrites ? 5 : 0);
    expect(queue.length).toBe(handOverAfterWrites ? 5 : 0);
    expect(outcomes.size).toBe(0);
  });

  it('handOver() of an idle runner returns at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'runner-'));
    const queue = new Channel<PipelineEvent>(1000, 1e6);
    const runner = new OutputRunner({
      id: 'out', output: new ScriptedOutput([]), maxBatchRecords: 10, lingerMs: 0, deadLetterPath: join(dir, 'dl.jsonl'),
      queue, logger: pino({ level: 'silent' }), metrics: new Metrics(),
    });
    runner.start();
    const started = Date.now();
    expect(await runner.handOver(Date.now() + 5_000)).toBe(0);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
