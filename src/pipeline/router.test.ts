import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Ack } from '../core/ack.js';
import { Channel } from '../core/channel.js';
import { Metrics } from '../core/metrics.js';
import type { LogRecord, PipelineEvent } from '../core/record.js';
import { Router, route } from './router.js';
import { TransformChain, transformStage } from './transform-chain.js';
import { TransformFailures } from './transform-failures.js';

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

  describe('routeNow (an input straight to the outputs)', () => {
    /** What an input's sink does: route at once, else queue for the router. */
    const offer = (router: Router, source: Channel<PipelineEvent>, e: PipelineEvent): void => {
      if (!router.routeNow(e)) source.offer(e, e.bytes);
    };
    const tick = () => new Promise((r) => setImmediate(r));

    it('routes at once when nothing is queued, forks the ack per target and shows taps', () => {
      const source = new Channel<PipelineEvent>(100, 1 << 20);
      const a = new Channel<PipelineEvent>(100, 1 << 20);
      const b = new Channel<PipelineEvent>(100, 1 << 20);
      const router = new Router(source, [route('**', a), route('docker.**', b)], new Metrics());
      router.start();
      const tapped: string[] = [];
      router.tap('**', (e) => tapped.push(e.record.message));
      const outcomes: string[] = [];
      const e = event('1');
      e.ack = new Ack((outcome) => outcomes.push(outcome));
      expect(router.routeNow(e)).toBe(true);
      expect(source.length).toBe(0);
      expect([a.poll(10).length, b.poll(10).length, tapped]).toEqual([1, 1, ['1']]);
      e.ack.settle('delivered');
      expect(outcomes).toEqual([]);
      e.ack.settle('delivered');
      expect(outcomes).toEqual(['delivered']);
    });

    it('never overtakes: a full output queues records for the router, and order holds after it drains', async () => {
      const source = new Channel<PipelineEvent>(100, 1 << 20);
      const out = new Channel<PipelineEvent>(2, 1 << 20);
      const router = new Router(source, [route('**', out)], new Metrics());
      router.start();
      const received: string[] = [];
      for (let i = 1; i <= 10; i++) {
        offer(router, source, event(String(i)));
        if (i % 3 === 0) {
          // the output takes a little now and then, while the router may be waiting for room
          await tick();
          received.push(...out.poll(1).map((e) => e.record.message));
        }
      }
      source.close();
      const drained = router.drained();
      while (received.length < 10) {
        await tick();
        received.push(...out.poll(10).map((e) => e.record.message));
      }
      await drained;
      expect(received).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    });

    it('does not route directly with transforms, with a chain about to be swapped in, or after close', async () => {
      const source = new Channel<PipelineEvent>(100, 1 << 20);
      const out = new Channel<PipelineEvent>(100, 1 << 20);
      const pass = transformStage('pass', '**', { process: (e, emit) => emit(e) });
      const withChain = new Router(source, [route('**', out)], new Metrics(), new TransformChain([pass]));
      expect(withChain.routeNow(event('a'))).toBe(false);
      const plain = new Router(source, [route('**', out)], new Metrics());
      plain.setTransforms(new TransformChain([pass]));
      expect(plain.routeNow(event('b'))).toBe(false);
      const closed = new Channel<PipelineEvent>(100, 1 << 20);
      closed.close();
      expect(new Router(closed, [route('**', out)], new Metrics()).routeNow(event('c'))).toBe(false);
      expect(out.length).toBe(0);
    });
  });
});

describe('Router and records transforms cannot handle', () => {
  it('a transform that throws on one record fails that record alone: it is dead-lettered with the reason, the others flow', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'router-'));
    const metrics = new Metrics();
    const failures = new TransformFailures(join(dir, 'dead-letter', 'transforms.jsonl'), pino({ level: 'silent' }), metrics);
    const picky = transformStage('picky_0', '**', {
      process: (e, emit) => {
        if (e.record.message === 'poison') throw new RangeError('Maximum call stack size exceeded');
        emit(e);
      },
    });
    const retag = transformStage('retag_0', '**', {
      process: (e, emit) => {
        if (e.record.message === 'numeric tag') (e.record as Record<string, unknown>).tag = 42;
        emit(e);
      },
    });
    const source = new Channel<PipelineEvent>(100, 1 << 20);
    const out = new Channel<PipelineEvent>(100, 1 << 20);
    const router = new Router(source, [route('**', out)], metrics, new TransformChain([picky, retag], failures.fail), failures);
    router.start();
    const outcomes: string[] = [];
    for (const message of ['a', 'poison', 'numeric tag', 'b']) {
      const e = event(message);
      e.ack = new Ack((outcome) => outcomes.push(`${message}:${outcome}`));
      source.offer(e, e.bytes);
    }
    source.close();
    await router.drained();
    expect(out.poll(10).map((e) => e.record.message)).toEqual(['a', 'b']);
    expect(outcomes).toEqual(['poison:dead_lettered', 'numeric tag:dead_lettered']);
    const lines = readFileSync(join(dir, 'dead-letter', 'transforms.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { transform: string; code: string; reason: string; record: { message: string } });
    expect(lines.map((l) => [l.transform, l.code, l.record.message])).toEqual([['picky_0', 'TRANSFORM_FAILED', 'poison'], ['router', 'TRANSFORM_FAILED', 'numeric tag']]);
    expect(lines[0]?.reason).toBe('transform picky_0 failed on this record: Maximum call stack size exceeded');
    expect(lines[1]?.reason).toContain("the record's tag is not text (number)");
    expect(metrics.get('transform_failures_total', { transform: 'picky_0' })).toBe(1);
  });

  it('a tap that throws does not stop routing', async () => {
    const source = new Channel<PipelineEvent>(100, 1 << 20);
    const out = new Channel<PipelineEvent>(100, 1 << 20);
    const router = new Router(source, [route('**', out)], new Metrics());
    router.tap('**', () => {
      throw new RangeError('Maximum call stack size exceeded');
    });
    router.start();
    for (const message of ['a', 'b']) source.offer(event(message), 100);
    source.close();
    await router.drained();
    expect(out.poll(10).map((e) => e.record.message)).toEqual(['a', 'b']);
  });
});

describe('TransformChain and a transform whose tick throws', () => {
  it('reports it and keeps routing', async () => {
    const errors: string[] = [];
    const exploding = transformStage('exploding_0', '**', {
      process: (e, emit) => emit(e),
      tick: () => {
        throw new RangeError('Invalid string length');
      },
    });
    const chain = new TransformChain([exploding], undefined, (stageId, err) => errors.push(`${stageId}: ${(err as Error).message}`));
    const routed = await routeThrough(chain, [event('a'), event('b')]);
    expect(routed.map((e) => e.record.message)).toEqual(['a', 'b']);
    expect(errors[0]).toBe('exploding_0: Invalid string length');
  });
});
