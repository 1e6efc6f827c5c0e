import { describe, expect, it } from 'vitest';
import { Ack } from '../../core/ack.js';
import { Metrics } from '../../core/metrics.js';
import type { LogRecord, PipelineEvent } from '../../core/record.js';
import type { PluginContext } from '../../plugins/types.js';
import { sampleSchema, Sample } from '../sample/index.js';
import { Throttle, throttleSchema } from './index.js';

/**
 * Keys can come from container output (`key: "{user}"`): a stream of ever new values must not
 * grow the transform's state or its metrics.
 */
function context(): { context: PluginContext; metrics: Metrics; infos: string[] } {
  const metrics = new Metrics();
  const infos: string[] = [];
  const logger = { info: (_fields: unknown, message: string) => infos.push(message), warn: () => undefined, debug: () => undefined };
  return { context: { id: 't', metrics, logger } as unknown as PluginContext, metrics, infos };
}

const container = { id: 'c'.repeat(64), name: 'web', image: { name: 'img' }, labels: {} };

function event(fields: Record<string, unknown>, containerId = container.id): PipelineEvent {
  const record = { '@timestamp': 't', message: 'm', stream: 'stdout', source: 'main', tag: 'x', container: { ...container, id: containerId }, host: { name: 'h' }, ...fields } as LogRecord;
  return { record, ack: new Ack(() => undefined), bytes: 1 };
}

/** Internal state, looked at without timing anything. */
const bucketKeys = (t: Throttle): string[] => [...(t as unknown as { buckets: Map<string, unknown> }).buckets.keys()];

describe('throttle keyed by content', () => {
  it('max_keys: a whole number, default 10,000, with bounds', () => {
    expect(throttleSchema.parse({ rate: 1 }).max_keys).toBe(10_000);
    expect(throttleSchema.safeParse({ rate: 1, max_keys: 0 }).success).toBe(false);
    expect(throttleSchema.safeParse({ rate: 1, max_keys: 1.5 }).success).toBe(false);
    expect(throttleSchema.safeParse({ rate: 1, max_keys: 1e12 }).success).toBe(false);
  });

  it('1,000,000 distinct keys keep at most max_keys buckets, and the metric one series', () => {
    const now = 1_000_000;
    const { context: ctx, metrics } = context();
    const throttle = new Throttle(throttleSchema.parse({ rate: 1, key: '{user}' }), ctx, () => now);
    let passed = 0;
    // each key twice: the second record of each is over its rate and dropped
    for (let i = 0; i < 1_000_000; i += 1) {
      const e = event({ user: `user-${i}` });
      throttle.process(e, () => (passed += 1));
      throttle.process(e, () => (passed += 1));
    }
    expect(bucketKeys(throttle).length).toBeLessThanOrEqual(10_000);
    expect(passed).toBe(1_000_000);
    const series = metrics.series().filter((s) => s.name === 'throttle_dropped_total');
    expect(series.map((s) => s.key)).toEqual(['throttle_dropped_total{transform="t"}']);
    expect(metrics.get('throttle_dropped_total', { transform: 't' })).toBe(1_000_000);
  }, 120_000);

  it('forgets the least recently seen key: a key that keeps flooding stays limited', () => {
    let now = 1_000_000;
    const { context: ctx } = context();
    const throttle = new Throttle(throttleSchema.parse({ rate: 1, burst: 1, key: '{user}', max_keys: 100 }), ctx, () => now);
    const passed: string[] = [];
    for (let i = 0; i < 10_000; i += 1) {
      throttle.process(event({ user: 'flood' }), (e) => passed.push(String(e.record.user)));
      throttle.process(event({ user: `once-${i}` }), () => undefined);
      now += 1;
    }
    // 10 s went by: the first record, then one a second
    expect(passed.length).toBeGreaterThanOrEqual(10);
    expect(passed.length).toBeLessThanOrEqual(11);
    expect(bucketKeys(throttle).length).toBeLessThanOrEqual(100);
  });

  it('keeps long keys as short digests', () => {
    const { context: ctx } = context();
    const throttle = new Throttle(throttleSchema.parse({ rate: 1, key: '{message}', max_keys: 50 }), ctx, () => 0);
    const passed: string[] = [];
    for (let i = 0; i < 100; i += 1) throttle.process(event({ message: `${i}:${'x'.repeat(1 << 20)}` }), (e) => passed.push(e.record.message.slice(0, 3)));
    // still one limit per key: the same long key again is over its rate
    throttle.process(event({ message: `99:${'x'.repeat(1 << 20)}` }), (e) => passed.push(e.record.message.slice(0, 3)));
    expect(passed).toHaveLength(100);
    const keys = bucketKeys(throttle);
    expect(keys.length).toBeLessThanOrEqual(50);
    for (const key of keys) expect(key.length).toBeLessThanOrEqual(256);
  });

  it('logs the key it dropped most, at most once a minute, with the key cut', () => {
    let now = 1_000_000;
    const { context: ctx, infos } = context();
    const throttle = new Throttle(throttleSchema.parse({ rate: 1, burst: 1, key: '{user}' }), ctx, () => now);
    for (let minute = 0; minute < 3; minute += 1) {
      for (let i = 0; i < 1000; i += 1) {
        throttle.process(event({ user: `noisy-${'n'.repeat(500)}` }), () => undefined);
        throttle.process(event({ user: `quiet-${i % 10}` }), () => undefined);
      }
      now += 61_000;
    }
    throttle.process(event({ user: `noisy-${'n'.repeat(500)}` }), () => undefined);
    throttle.process(event({ user: `noisy-${'n'.repeat(500)}` }), () => undefined);
    expect(infos.length).toBeGreaterThanOrEqual(2);
    expect(infos.length).toBeLessThanOrEqual(3);
    expect(infos[0]).toContain('noisy-');
    for (const info of infos) expect(info.length).toBeLessThan(400);
  });
});

describe('sample', () => {
  it('max_keys: a whole number, default 10,000, with bounds', () => {
    expect(sampleSchema.parse({ rate: 2 }).max_keys).toBe(10_000);
    expect(sampleSchema.safeParse({ rate: 2, max_keys: 0 }).success).toBe(false);
    expect(sampleSchema.safeParse({ rate: 2, max_keys: 1e12 }).success).toBe(false);
  });

  it('1,000,000 distinct containers keep at most max_keys counters', () => {
    const { context: ctx, metrics } = context();
    const sample = new Sample(sampleSchema.parse({ rate: 2 }), ctx);
    let passed = 0;
    for (let i = 0; i < 1_000_000; i += 1) {
      const e = event({}, `container-${i}`);
      sample.process(e, () => (passed += 1));
      sample.process(e, () => (passed += 1));
    }
    expect((sample as unknown as { counts: Map<string, number> }).counts.size).toBeLessThanOrEqual(10_000);
    expect(passed).toBe(1_000_000);
    expect(metrics.get('sample_dropped_total', { transform: 't' })).toBe(1_000_000);
  }, 120_000);

  it('a container seen all along keeps its count while others come and go', () => {
    const { context: ctx } = context();
    const sample = new Sample(sampleSchema.parse({ rate: 3, max_keys: 10 }), ctx);
    const kept: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      sample.process(event({ n: i }, 'steady'), (e) => kept.push(e.record.n as number));
      for (let j = 0; j < 8; j += 1) sample.process(event({}, `other-${i}-${j}`), () => undefined);
    }
    expect(kept).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
  });
});
