import { describe, expect, it } from 'vitest';
import { Metrics } from '../../core/metrics.js';
import type { PipelineEvent } from '../../core/record.js';
import type { PluginContext } from '../../plugins/types.js';
import { Throttle, throttleSchema } from './index.js';

describe('throttle below one record per second', () => {
  it('lets the first record through: the bucket holds at least one token', () => {
    const context = { id: 't', metrics: new Metrics() } as unknown as PluginContext;
    const throttle = new Throttle(throttleSchema.parse({ rate: 0.5 }), context, () => 0);
    const passed: unknown[] = [];
    const event = { record: { container: { id: 'c' } }, ack: { settle: () => undefined } } as unknown as PipelineEvent;
    throttle.process(event, (e) => passed.push(e));
    expect(passed).toHaveLength(1);
  });
});
