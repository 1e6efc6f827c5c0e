import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { Ack, type Outcome } from '../../core/ack.js';
import { Metrics } from '../../core/metrics.js';
import type { LogRecord, PipelineEvent } from '../../core/record.js';
import type { PluginContext } from '../../plugins/types.js';
import { Multiline, multilineSchema } from './index.js';

function setup(options: Record<string, unknown>): { feed: (lines: string[], stream?: 'stdout' | 'stderr') => void; out: string[]; outcomes: Map<string, Outcome>; transform: Multiline; emit: (e: PipelineEvent) => void } {
  const transform = new Multiline(multilineSchema.parse(options), { metrics: new Metrics(), logger: pino({ level: 'silent' }) } as unknown as PluginContext);
  const out: string[] = [];
  const outcomes = new Map<string, Outcome>();
  const emit = (e: PipelineEvent): void => {
    out.push(e.record.message);
    e.ack.settle('delivered');
  };
  const feed = (lines: string[], stream: 'stdout' | 'stderr' = 'stdout'): void => {
    for (const line of lines) {
      const record = { '@timestamp': 't', message: line, stream, source: 'main', tag: 'x', container: { id: 'c', name: 'n', image: { name: 'i' }, labels: {} }, host: { name: 'h' } } as LogRecord;
      transform.process({ record, ack: new Ack((o) => outcomes.set(line, o)), bytes: 1 }, emit);
    }
  };
  return { feed, out, outcomes, transform, emit };
}

describe('multiline', () => {
  it('a joined record carries the position of its last line (exactly-once outputs skip what it covers) and the origin of its first', () => {
    const transform = new Multiline(multilineSchema.parse({ preset: 'java' }), { metrics: new Metrics(), logger: pino({ level: 'silent' }) } as unknown as PluginContext);
    const emitted: PipelineEvent[] = [];
    const lines = ['Exception in thread "main" java.lang.IllegalStateException: boom', '\tat com.x.A.run(A.java:10)', '\tat com.x.Main.main(Main.java:3)', 'next'];
    lines.forEach((message, n) => {
      const record = { '@timestamp': 't', message, stream: 'stdout', source: 'main', tag: 'x', container: { id: 'c', name: 'n', image: { name: 'i' }, labels: {} }, host: { name: 'h' } } as LogRecord;
      transform.process({ record, ack: new Ack(() => undefined), bytes: 1, origin: `c/stdout/t/${n + 1}`, position: { source: 'in/c/stdout', at: 't', n: n + 1 } }, (e) => emitted.push(e));
    });
    expect(emitted).toHaveLength(1);
    expect(emitted[0]?.position).toEqual({ source: 'in/c/stdout', at: 't', n: 3 });
    expect(emitted[0]?.origin).toBe('c/stdout/t/1');
  });

  it('java preset: a stack trace becomes one record, and every line it holds is settled with it', () => {
    const { feed, out, outcomes, transform, emit } = setup({ preset: 'java' });
    feed(['start', 'Exception in thread "main" java.lang.IllegalStateException: boom', '\tat com.x.A.run(A.java:10)', '\tat com.x.Main.main(Main.java:3)', 'Caused by: java.io.IOException: disk', '\t... 2 more', 'next line']);
    expect(out).toEqual(['start', 'Exception in thread "main" java.lang.IllegalStateException: boom\n\tat com.x.A.run(A.java:10)\n\tat com.x.Main.main(Main.java:3)\nCaused by: java.io.IOException: disk\n\t... 2 more']);
    expect(outcomes.get('\tat com.x.A.run(A.java:10)')).toBe('delivered');
    expect(outcomes.has('next line')).toBe(false);
    transform.drain(emit);
    expect(out.at(-1)).toBe('next line');
  });

  it('python preset: the traceback and its final error line', () => {
    const { feed, out, transform, emit } = setup({ preset: 'python' });
    feed(['Traceback (most recent call last):', '  File "app.py", line 3, in <module>', '    main()', 'ValueError: bad value', 'after']);
    transform.drain(emit);
    expect(out).toEqual(['Traceback (most recent call last):\n  File "app.py", line 3, in <module>\n    main()\nValueError: bad value', 'after']);
  });

  it('go preset: a panic with its goroutine dump', () => {
    const { feed, out, transform, emit } = setup({ preset: 'go' });
    feed(['panic: runtime error: index out of range', '', 'goroutine 1 [running]:', 'main.main()', '\t/src/main.go:12 +0x1d', 'exit status 2']);
    transform.drain(emit);
    expect(out).toEqual(['panic: runtime error: index out of range\n\ngoroutine 1 [running]:\nmain.main()\n\t/src/main.go:12 +0x1d', 'exit status 2']);
  });

  it('start pattern, per stream; flushed after flush_after and at max_lines', () => {
    const { feed, out, transform, emit } = setup({ start: '^\\d{4}-', flush_after: '1s', max_lines: 3 });
    feed(['2026-01-01 a', 'more a']);
    feed(['2026-01-01 err'], 'stderr');
    feed(['2026-01-02 b', 'b1', 'b2', 'b3']);
    expect(out).toEqual(['2026-01-01 a\nmore a', '2026-01-02 b\nb1\nb2']);
    transform.tick(Date.now() + 500, emit);
    expect(out).toHaveLength(2);
    transform.tick(Date.now() + 1500, emit);
    expect(out.slice(2).sort()).toEqual(['2026-01-01 err', 'b3']);
  });
});

// lines java 17 printed (test/programs/multiline/Events.java): a logback header, then a Throwable's first lines
const HEADER = '2026-12-06 09:59:37.437 [main] ERROR com.example.billing.PaymentService - ev-6 could not charge the card';
const EXCEPTION = 'com.example.events.Events$PaymentDeclined: ev-6 could not load';
const MESSAGE = 'the order';
const FRAME = '\tat com.example.events.Events.multiLine(Events.java:210)';
const ALONE = 'java.lang.IllegalStateException: ev-1 (retrying)';
const THREAD = 'Exception in thread "worker-2" java.lang.RuntimeException: com.example.events.Events$PaymentDeclined: ev-2 wrapped 1';

describe('multiline: lines taken tentatively (java preset: a header, then an exception line, are one record if a frame follows)', () => {
  it('a frame confirms them: one record, whose delivery settles every line', () => {
    const { feed, out, outcomes, transform, emit } = setup({ preset: 'java' });
    feed([HEADER, EXCEPTION, MESSAGE]);
    expect(out).toEqual([]);
    feed([FRAME, THREAD]);
    expect(out).toEqual([[HEADER, EXCEPTION, MESSAGE, FRAME].join('\n')]);
    for (const line of [HEADER, EXCEPTION, MESSAGE, FRAME]) expect(outcomes.get(line)).toBe('delivered');
    transform.drain(emit);
    expect(out.at(-1)).toBe(THREAD);
  });

  it('no frame: the header, and the lines read again as lines of their own, in their order, each settled with its own record', () => {
    const { feed, out, outcomes, transform, emit } = setup({ preset: 'java' });
    feed([HEADER, ALONE, HEADER]);
    expect(out).toEqual([HEADER, ALONE]);
    expect(outcomes.get(ALONE)).toBe('delivered');
    feed([EXCEPTION, MESSAGE, THREAD]);
    expect(out).toEqual([HEADER, ALONE, HEADER, EXCEPTION, MESSAGE]);
    transform.drain(emit);
    expect(out.at(-1)).toBe(THREAD);
  });

  it('flush_after passes: what is held goes out, the lines taken tentatively as lines of their own', () => {
    const { feed, out, transform, emit } = setup({ preset: 'java', flush_after: '1s' });
    feed([HEADER, EXCEPTION, MESSAGE]);
    transform.tick(Date.now() + 500, emit);
    expect(out).toEqual([]);
    transform.tick(Date.now() + 1500, emit);
    expect(out).toEqual([HEADER, EXCEPTION, MESSAGE]);
  });

  it('max_lines reached while lines are taken tentatively: one record of max_lines lines', () => {
    const { feed, out, transform, emit } = setup({ preset: 'java', max_lines: 3 });
    feed([HEADER, EXCEPTION, MESSAGE, FRAME]);
    expect(out).toEqual([[HEADER, EXCEPTION, MESSAGE].join('\n')]);
    transform.drain(emit);
    expect(out.at(-1)).toBe(FRAME);
  });

  it('per stream: a line of stdout neither confirms nor ends what stderr holds', () => {
    const { feed, out, transform, emit } = setup({ preset: 'java' });
    feed([HEADER, EXCEPTION], 'stderr');
    feed([ALONE]);
    feed([FRAME], 'stderr');
    transform.drain(emit);
    expect(out.sort()).toEqual([ALONE, [HEADER, EXCEPTION, FRAME].join('\n')].sort());
  });
});

describe('multiline and messages that parsed content made something else than text', () => {
  it('a message that is not text passes alone, after what was held; max_bytes still holds for the rest', () => {
    const transform = new Multiline(multilineSchema.parse({ start: '^\\S', max_bytes: 1024 }), { metrics: new Metrics(), logger: pino({ level: 'silent' }) } as unknown as PluginContext);
    const out: unknown[] = [];
    const emit = (e: PipelineEvent): void => {
      out.push(e.record.message);
      e.ack.settle('delivered');
    };
    const feed = (message: unknown, container: unknown = { id: 'c' }): void => {
      const record = { '@timestamp': 't', message, stream: 'stdout', source: 'main', tag: 'x', container, host: { name: 'h' } } as unknown as LogRecord;
      transform.process({ record, ack: new Ack(), bytes: 1 }, emit);
    };
    feed('start');
    feed(' continued');
    feed(0);
    feed({ nested: true });
    feed('next', null);
    for (let i = 0; i < 100; i += 1) feed(` ${'x'.repeat(100)}`, null);
    transform.drain(emit);
    expect(out.slice(0, 3)).toEqual(['start\n continued', 0, { nested: true }]);
    // held lines of one stream were cut at max_bytes (1 KiB), not held until max_lines
    const joined = out.slice(3) as string[];
    expect(joined.length).toBeGreaterThan(5);
    for (const message of joined) expect(message.length).toBeLessThanOrEqual(1024 + 102);
  });
});
