import { describe, expect, it } from 'vitest';
import { Metrics } from '../../core/metrics.js';
import { createLogger } from '../../core/logger.js';
import type { PipelineEvent } from '../../core/record.js';
import type { PluginContext } from '../../plugins/types.js';
import { GeneratorInput } from './generator-input.js';
import { jsonLogLine } from './log-line.js';
import { generatorSchema } from './schema.js';

async function generate(options: Record<string, unknown>): Promise<PipelineEvent[]> {
  const events: PipelineEvent[] = [];
  const context = { id: 'generator_0', logger: createLogger('silent'), hostName: 'h', metrics: new Metrics() } as unknown as PluginContext;
  const input = new GeneratorInput(generatorSchema.parse(options), context);
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  await input.start({
    offer: (event) => {
      events.push(event);
      if (events.length === options.count) done();
      return true;
    },
    waitForSpace: async () => undefined,
  });
  await finished;
  await input.stop();
  return events;
}

describe('generator input', () => {
  it('json_log: JSON application log lines that vary with the number and the container', async () => {
    const events = await generate({ count: 6, message: 'json_log', containers: 2 });
    expect(events.map((e) => e.record.message)).toEqual([1, 2, 3, 4, 5, 6].map((n) => jsonLogLine(n % 2, n)));
    const first = JSON.parse(events[0]?.record.message as string) as Record<string, unknown>;
    expect(first).toMatchObject({ n: 1, c: 1, level: 'info' });
    expect(first.msg).toMatch(/^request served path=\/api\/\w+\/1 status=\d+ bytes=\d+ dur_ms=\d+$/);
    expect(new Set(events.map((e) => e.record.container.name))).toEqual(new Set(['generator-0', 'generator-1']));
  });

  it('padded (the default): "<n> " padded with x to message_bytes', async () => {
    const events = await generate({ count: 2, message_bytes: 8 });
    expect(events.map((e) => e.record.message)).toEqual(['1 xxxxxx', '2 xxxxxx']);
  });
});
