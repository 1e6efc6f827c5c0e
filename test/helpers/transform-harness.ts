import pino from 'pino';
import { Ack, type Outcome } from '../../src/core/ack.js';
import { Metrics } from '../../src/core/metrics.js';
import type { LogRecord, PipelineEvent } from '../../src/core/record.js';
import { compileTagGlob } from '../../src/core/tag-match.js';
import { TransformChain } from '../../src/pipeline/transform-chain.js';
import type { PluginContext, TransformDefinition } from '../../src/plugins/types.js';

/** A container's record as docker_logs makes it, with this message. */
export function recordOf(message: string, container: LogRecord['container'] = { id: 'c1', name: 'web', image: { name: 'nginx:1' }, labels: {} }): LogRecord {
  return { '@timestamp': '2026-11-29T01:00:00.000000000Z', message, stream: 'stdout', source: 'main', tag: 'docker.main.web', container, host: { name: 'h' } };
}

/** Runs messages through one transform configured from pipeline-file options (parsed by its schema), as the pipeline's chain does. */
export function through(
  definition: TransformDefinition,
  options: Record<string, unknown>,
  messages: string[],
  record: (message: string) => LogRecord = (message) => recordOf(message),
): { out: LogRecord[]; outcomes: Outcome[]; metrics: Metrics } {
  const metrics = new Metrics();
  const context = { id: 't', logger: pino({ level: 'silent' }), hostName: 'h', stateDir: '/tmp', metrics } as unknown as PluginContext;
  const transform = definition.create(definition.schema.parse(options), context);
  const chain = new TransformChain([{ id: 't', match: compileTagGlob('**'), transform }]);
  const out: LogRecord[] = [];
  const outcomes: Outcome[] = [];
  for (const message of messages) {
    const event: PipelineEvent = { record: record(message), ack: new Ack((o) => outcomes.push(o)), bytes: 1 };
    chain.run(event, (e) => out.push(e.record));
  }
  return { out, outcomes, metrics };
}
