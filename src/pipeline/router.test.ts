import { describe, expect, it } from 'vitest';
import { Ack } from '../core/ack.js';
import { Channel } from '../core/channel.js';
import { Metrics } from '../core/metrics.js';
import type { LogRecord, PipelineEvent } from '../core/record.js';
import { Router, route } from './router.js';
import { TransformChain, transformStage } from './transform-chain.js';

function event(message: string, tag = 'docker.main.web'): PipelineEvent {
  const record = { '@timestamp': '2026-11-29T06:40:00.000000000Z', message, stream: 'stdout', source: 'main', tag, container: { id: 'c', name: 'web', image: { name: 'i' }, labels: {} }, host: { name: 'h' } } as LogRecord;
  return { record, ack: new Ack(), bytes: 100, json: { jsonBytes: 2, writeJson: (target, offset) => offset + target.write('{}', offset) } };
}

async function routeThrough(chain: TransformChain | undefined, events: PipelineEvent[]): Promise<PipelineEvent[]> {
  const source = new Channel<PipelineEvent>(100, 1 << 20);
  const out = new Channel<PipelineEvent>(100, 1 << 20);
  const router = new Router(source, [route('**', out)], new Metrics(), chain);
  router.start();
  for (const e of events) source.offer(e, e.bytes);
  source.close();
  await router.drained();
  return out.poll(100);
}

describe('Router', () => {
  it('keeps an input\'s ready-made JSON when no transform runs', async () => {
    const routed = await routeThrough(undefined, [event('a'), event('b')]);
    expect(routed.map((e) => e.json !== undefined)).toEqual([true, true]);
  });

  it('drops it before transforms, which may change the record (also for records they pass untouched)', async () => {
    const upper = transformStage('upper', 'docker.main.web', { process: (e, emit) => emit({ ...e, record: { ...e.record, message: e.record.message.toUpperCase() } }) });
    const routed = await routeThrough(new TransformChain([upper]), [event('a'), event('b', 'docker.main.other')]);
    expect(routed.map((e) => [e.record.message, e.json])).toEqual([['A', undefined], ['b', undefined]]);
  });

  it('sends each record to every route whose glob matches its tag, and settles unrouted ones as dropped', async () => {
    const source = new Channel<PipelineEvent>(100, 1 << 20);
    const web = new Channel<PipelineEvent>(100, 1 << 20);
    const all = new Channel<PipelineEvent>(100, 1 << 20);
    const metrics = new Metrics();
    const router = new Router(source, [route('docker.main.web', web), route('docker.main.*', all)], metrics);
    router.start();
    const outcomes: string[] = [];
    const events = [event('1'), event('2', 'docker.main.db'), event('3', 'docker.exec.x')];
    for (const e of events) {
      e.ack = new Ack((outcome) => outcomes.push(`${e.record.message}:${outcome}`));
      source.offer(e, e.bytes);
    }
    source.close();
    await router.drained();
    expect(web.poll(10).map((e) => e.record.message)).toEqual(['1']);
    expect(all.poll(10).map((e) => e.record.message)).toEqual(['1', '2']);
    expect(outcomes).toEqual(['3:dropped']);
    expect(metrics.get('records_unrouted_total')).toBe(1);
  });
});
