import { Ack } from '../../core/ack.js';
import { sleep } from '../../core/backoff.js';
import { deepFreeze } from '../../core/record-json.js';
import type { ContainerMeta, LogRecord } from '../../core/record.js';
import { nowTimestamp } from '../../core/timestamp.js';
import { Backpressure } from '../../plugins/backpressure.js';
import type { Input, PluginContext, RecordSink } from '../../plugins/types.js';
import type { GeneratorConfig } from './schema.js';
import { METRIC } from '../../core/metric-names.js';
import { jsonLogLine } from './log-line.js';

/**
 * Synthetic records for benchmarks and trying out outputs: numbered messages of a fixed size from
 * made-up containers, at a fixed rate or as fast as the pipeline takes them (it honours backpressure).
 */
export class GeneratorInput implements Input {
  private readonly abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly config: GeneratorConfig,
    private readonly context: PluginContext,
  ) {}

  async start(sink: RecordSink): Promise<void> {
    this.loop = this.run(sink);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(sink: RecordSink): Promise<void> {
    const backpressure = new Backpressure(sink, this.context);
    const { count, rate, message_bytes: size, containers } = this.config;
    const host = deepFreeze({ name: this.context.hostName });
    const metas: ContainerMeta[] = Array.from({ length: containers }, (_, i) =>
      deepFreeze({ id: `generator-${this.context.id}-${i}`, name: `generator-${i}`, image: { name: 'logship/generator' }, labels: {} }),
    );
    const tags = metas.map((m) => `generator.${m.name}`);
    const padding = 'x'.repeat(size);
    const records = this.context.metrics.counter(METRIC.INPUT_RECORDS_TOTAL, { input: this.context.id });
    const started = Date.now();
    // a run cannot be read again: each is a source of its own, so a later run is never taken for a replay
    const source = `${this.context.id}@${started}`;
    for (let n = 1; (count === 0 || n <= count) && !this.abort.signal.aborted; n += 1) {
      const c = n % containers;
      const message = this.config.message === 'json_log' ? jsonLogLine(c, n) : paddedMessage(n, size, padding);
      const record: LogRecord = { '@timestamp': nowTimestamp(), message, stream: 'stdout', source: 'main', tag: tags[c] as string, container: metas[c] as ContainerMeta, host };
      records.inc();
      if (!backpressure.offer({ record, ack: new Ack(ignoreSettlement), bytes: message.length + 300, origin: `${this.context.id}/${n}`, position: { source, at: '', n } })) await backpressure.waitForRoom();
      if (rate > 0) {
        const due = started + (n / rate) * 1000;
        if (due > Date.now() + 5) await sleep(due - Date.now(), this.abort.signal);
      } else if (n % 1000 === 0) {
        // let timers and I/O run between bursts
        await new Promise((r) => setImmediate(r));
      }
    }
    this.context.logger.info({ records: count }, 'generator: done');
  }
}

function ignoreSettlement(): void {}

/** "<n> " padded with "x" to `size` bytes (just the number when that is longer). */
function paddedMessage(n: number, size: number, padding: string): string {
  const prefix = `${n} `;
  return prefix.length >= size ? prefix.trimEnd() : prefix + padding.slice(prefix.length);
}
