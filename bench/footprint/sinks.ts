import { join } from 'node:path';
import { countDocs, scrollDocs } from '../lib/es.js';
import { streamValues } from '../lib/kcat.js';
import { fileLines, LineCounter } from '../lib/output.js';
import type { Context } from './context.js';
import type { ExactlyOnce } from './verify.js';

/** A copy of each record read back: the raw JSON and, from Elasticsearch, its _id (a reference's input). */
export type Copy = (raw: string, id?: string) => void;

/** Where a shipper's records go, how many arrived, and reading them all back. */
export interface Sink {
  readonly kind: 'file' | 'stdout' | 'kafka' | 'elasticsearch';
  /** The output's lines under `outputs:` of the pipeline. */
  readonly output: readonly string[];
  /** The stdout sink: the file the shipper's stdout goes to. */
  readonly stdoutFile?: string;
  /** Records so far; NaN when the service did not answer. */
  count(): Promise<number>;
  readBack(check: ExactlyOnce, copy?: Copy): Promise<void>;
  close(): void;
}

/** The file output, or the stdout output with the shipper's stdout in a file. */
export function fileSink(ctx: Context, tag: string, kind: 'file' | 'stdout'): Sink {
  const path = join(ctx.tmp, `${tag}.${kind}.jsonl`);
  const counter = new LineCounter(path, true);
  return {
    kind,
    output: kind === 'file' ? ['  - type: file', `    path: ${JSON.stringify(path)}`] : ['  - type: stdout'],
    ...(kind === 'stdout' ? { stdoutFile: path } : {}),
    count: () => Promise.resolve(counter.count()),
    readBack: async (check, copy) => {
      for await (const line of fileLines(path)) {
        check.recordLine(line);
        copy?.(line);
      }
    },
    close: () => counter.close(),
  };
}

/** A topic of its own, gzip, acks -1 and idempotence (logship's defaults); read back with kcat. */
export async function kafkaSink(ctx: Context, tag: string): Promise<Sink> {
  const topic = await ctx.broker.createTopic(`${ctx.prefix}-${tag}`);
  const brokers = ctx.options.brokers.join(',');
  return {
    kind: 'kafka',
    output: ['  - type: kafka', `    brokers: ${JSON.stringify(ctx.options.brokers)}`, `    topic: ${JSON.stringify(topic)}`, '    compression: gzip', '    create_topics: false'],
    count: () => ctx.broker.topicCount(topic),
    readBack: async (check, copy) => {
      const { lines, done } = streamValues(ctx.session, topic, brokers);
      for await (const line of lines) {
        check.recordLine(line);
        copy?.(line);
      }
      const end = await done;
      if (end.code !== 0) throw new Error(`kcat -C exited with ${end.code}: ${end.stderr.trim().split('\n').slice(-2).join(' | ')}`);
    },
    close: () => undefined,
  };
}

/** An index (and index template) of its own, the output's defaults otherwise; read back by scroll. */
export function esSink(ctx: Context, tag: string): Sink {
  const index = `${ctx.prefix}-${tag}`;
  ctx.templates.push(index);
  const url = ctx.options.esUrl;
  return {
    kind: 'elasticsearch',
    // its own template name: the default may be in use by tests on the same node
    output: ['  - type: elasticsearch', `    hosts: [${JSON.stringify(url)}]`, `    index: ${JSON.stringify(index)}`, `    template_name: ${JSON.stringify(index)}`],
    count: () => countDocs(url, index),
    readBack: (check, copy) =>
      scrollDocs(url, index, { _source: true }, (hits) => {
        for (const hit of hits) {
          check.message(hit._source.message);
          copy?.(JSON.stringify(hit._source), hit._id);
        }
      }),
    close: () => undefined,
  };
}

/** Records in every one of the sinks (the least of their counts): NaN when one did not answer. */
export async function leastCount(sinks: readonly Sink[]): Promise<number> {
  const counts = await Promise.all(sinks.map((s) => s.count()));
  return Math.min(...counts);
}
