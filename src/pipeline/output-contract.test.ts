import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Ack, type Outcome } from '../core/ack.js';
import { Metrics } from '../core/metrics.js';
import type { PipelineEvent } from '../core/record.js';
import { parsePipeline } from '../config/load.js';
import type { ItemFailure, Output, OutputDefinition, WriteAttempt } from '../plugins/types.js';
import { outputs } from '../registry.js';
import { OutputRunner } from './output-runner.js';

/**
 * The output runner's ordering guarantee, as the plugin contract states it (OutputDefinition.batching,
 * `concurrentWrites`), checked against the real runner with every concurrency a registered output
 * asks for: an output may rely on it instead of enforcing it again.
 */

function event(n: number, outcomes: Map<number, Outcome>): PipelineEvent {
  const record = { '@timestamp': '2026-11-29T00:00:00.000000000Z', message: String(n), stream: 'stdout' as const, source: 'main' as const, tag: 't', container: { id: 'c', name: 'n', image: { name: 'i' }, labels: {} }, host: { name: 'h' } };
  return { record, ack: new Ack((o) => outcomes.set(n, o)), bytes: 10 };
}

const numberOf = (e: PipelineEvent): number => Number(e.record.message);
const tick = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * An output that fails each record retriably `failTimes(n)` times, answers after `delayMs(batch)`,
 * and checks at every write() call the guarantees the runner gives.
 */
class ContractOutput implements Output {
  readonly violations: string[] = [];
  private readonly batchOf = new Map<number, number>();
  private readonly lastFailed = new Map<number, number[]>();
  private readonly failures = new Map<number, number>();
  private readonly inWrite = new Set<number>();
  private firstAttempts = 0;
  private writing = 0;

  constructor(
    private readonly concurrentWrites: number,
    private readonly outcomes: Map<number, Outcome>,
    private readonly failTimes: (n: number) => number,
    private readonly delayMs: (batch: number) => number,
  ) {}

  async write(batch: readonly PipelineEvent[], attempt: WriteAttempt = { attempt: 1 }): Promise<{ failures: ItemFailure[] }> {
    const numbers = batch.map(numberOf);
    const first = numbers[0] ?? -1;
    let batchNumber: number;
    if (attempt.attempt === 1) {
      batchNumber = this.firstAttempts++;
      // first attempts are called in the order the batches were taken from the queue
      if (first < Math.max(-1, ...this.batchOf.keys())) this.violations.push(`first attempt of ${numbers} after a later batch`);
      for (const n of numbers) this.batchOf.set(n, batchNumber);
    } else {
      batchNumber = this.batchOf.get(first) ?? -1;
      // a retry carries the records that failed last time, in their order
      if (numbers.join() !== (this.lastFailed.get(batchNumber) ?? []).join()) this.violations.push(`retry of batch ${batchNumber} carries ${numbers}, not ${this.lastFailed.get(batchNumber)}`);
      // and is written only once every earlier batch is settled
      for (const [n, b] of this.batchOf) if (b < batchNumber && !this.outcomes.has(n)) this.violations.push(`retry of batch ${batchNumber} before record ${n} of batch ${b} settled`);
    }
    for (const n of numbers) if (this.inWrite.has(n)) this.violations.push(`record ${n} in two writes at once`);
    this.writing += 1;
    if (this.writing > this.concurrentWrites) this.violations.push(`${this.writing} writes at once, above ${this.concurrentWrites}`);
    for (const n of numbers) this.inWrite.add(n);
    try {
      await tick(this.delayMs(batchNumber));
      const failures: ItemFailure[] = [];
      const failed: number[] = [];
      numbers.forEach((n, index) => {
        const count = this.failures.get(n) ?? 0;
        if (count < this.failTimes(n)) {
          this.failures.set(n, count + 1);
          failures.push({ index, retriable: true, code: 'DOWN', reason: 'try again' });
          failed.push(n);
        }
      });
      this.lastFailed.set(batchNumber, failed);
      return { failures };
    } finally {
      this.writing -= 1;
      for (const n of numbers) this.inWrite.delete(n);
    }
  }

  async close(): Promise<void> {}
}

async function runContract(concurrentWrites: number, records: number, failTimes: (n: number) => number, delayMs: (batch: number) => number): Promise<{ violations: string[]; outcomes: Map<number, Outcome> }> {
  const outcomes = new Map<number, Outcome>();
  const output = new ContractOutput(concurrentWrites, outcomes, failTimes, delayMs);
  const runner = new OutputRunner({
    id: 'contract', output, maxBatchRecords: 2, lingerMs: 0, concurrentWrites, deadLetterPath: join(mkdtempSync(join(tmpdir(), 'contract-')), 'dl.jsonl'),
    queue: { maxRecords: 1000, maxBytes: 1e6 }, logger: pino({ level: 'silent' }), metrics: new Metrics(),
  });
  for (let n = 0; n < records; n += 1) runner.queue.offer(event(n, outcomes), 10);
  runner.start();
  await runner.stop(Date.now() + 20_000);
  return { violations: output.violations, outcomes };
}

/** The concurrency each registered output asks for with its first example's options. */
function concurrencyOf(definition: OutputDefinition): number {
  const example = definition.examples[0];
  if (!example) return 1;
  const configured = parsePipeline(example.pipeline, `${definition.type} example`, {}).outputs.find((o) => o.definition === definition);
  return configured ? (definition.batching(configured.config).concurrentWrites ?? 1) : 1;
}

const concurrencies = [...new Set([1, 3, ...outputs.map(concurrencyOf)])].sort((a, b) => a - b);

describe.each(concurrentUsers())('output contract with concurrentWrites %i (%s)', (concurrentWrites) => {
  it('first attempts go in batch order, at most concurrentWrites at once; retries carry the failed records in order', async () => {
    const { violations, outcomes } = await runContract(concurrentWrites, 12, (n) => (n % 3 === 1 ? 1 : 0), (batch) => (batch % 2 ? 1 : 15));
    expect(violations).toEqual([]);
    expect([...outcomes.values()].every((o) => o === 'delivered') && outcomes.size === 12).toBe(true);
  });

  it('a retry waits until every earlier batch is settled, not only the one before it', async () => {
    // batch 0 fails twice (a long retry), batch 1 is delivered at once, batch 2 fails once
    const { violations, outcomes } = await runContract(concurrentWrites, 6, (n) => (n === 1 ? 2 : n === 5 ? 1 : 0), () => 1);
    expect(violations).toEqual([]);
    expect(outcomes.size).toBe(6);
  });
});

function concurrentUsers(): Array<[number, string]> {
  return concurrencies.map((c) => [c, outputs.filter((o) => concurrencyOf(o) === c).map((o) => o.type).join(', ') || 'the runner alone']);
}
