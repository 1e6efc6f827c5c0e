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

describe('Router.routeNow (records routed as the input offers them)', () => {
  function setup(outLimit = 100, chain?: TransformChain) {
    const source = new Channel<PipelineEvent>(100, 1 << 20);
    const out = new Channel<PipelineEvent>(outLimit, 1 << 20);
    const router = new Router(source, [route('**', out)], new Metrics(), chain);
    router.start();
    /** What the runtime's sink does: route now, else queue. */
    const offer = (e: PipelineEvent): boolean => router.routeNow(e) ?? source.offer(e, e.bytes);
    return { source, out, router, offer };
  }

  it('skips the queue when nothing is in front, and reports a full output queue', () => {
    const { source, out, offer } = setup(2);
    expect(offer(event('a'))).toBe(true);
    expect(offer(event('b'))).toBe(false);
    expect(source.length).toBe(0);
    expect(out.poll(10).map((e) => e.record.message)).toEqual(['a', 'b']);
  });

  it('takes the queue when transforms run, so they see every record', async () => {
    const upper = transformStage('upper', '**', { process: (e, emit) => emit({ ...e, record: { ...e.record, message: e.record.message.toUpperCase() } }) });
    const { source, out, router, offer } = setup(100, new TransformChain([upper]));
    offer(event('a'));
    source.close();
    await router.drained();
    expect(out.poll(10).map((e) => e.record.message)).toEqual(['A']);
  });

  it('never overtakes records still queued or being routed, and the input waits for room in the output queue', async () => {
    const { source, out, router, offer } = setup(2);
    offer(event('1'));
    offer(event('2'));
    // the output queue is full: these go through the queue, and the router waits with them
    for (const m of ['3', '4']) source.offer(event(m), 100);
    await new Promise((r) => setTimeout(r, 10));
    offer(event('5'));
    let resumed = false;
    const waiting = router.waitForSpace().then(() => (resumed = true));
    await new Promise((r) => setTimeout(r, 10));
    expect(resumed).toBe(false);
    const seen: string[] = [];
    while (seen.length < 5) {
      seen.push(...(await out.take(10)).map((e) => e.record.message));
      await new Promise((r) => setTimeout(r, 5));
    }
    await waiting;
    expect(seen).toEqual(['1', '2', '3', '4', '5']);
  });
});
