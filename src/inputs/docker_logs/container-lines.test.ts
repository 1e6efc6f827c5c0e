import { describe, expect, it } from 'vitest';
import { createLogger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import { recordTag, recordTimestamp, type LogRecord, type PipelineEvent } from '../../core/record.js';
import { deepFreeze, recordToJson } from '../../core/record-json.js';
import { compileEventTemplate } from '../../core/template.js';
import { containerMeta } from '../docker/container-meta.js';
import type { ContainerCheckpoint } from './checkpoint.js';
import { ContainerLines } from './container-lines.js';
import type { FollowerContext } from './follower-context.js';
import { parseJsonFileEntry } from './json-file/json-file-entry.js';
import type { LogFileRef } from './json-file/read-position.js';

/** A json-file entry as Docker's Go encoder writes it (<, > and & escaped too). */
function entry(log: string, stream = 'stdout', time = '2026-11-29T06:40:00.123456789Z'): Buffer {
  const text = JSON.stringify(log).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
  return Buffer.from(`{"log":${text},"stream":"${stream}","time":"${time}"}`);
}

const time = (n: number): string => `2026-11-29T06:40:00.${String(n).padStart(9, '0')}Z`;

function setup(options: { tag?: (record: LogRecord) => string; restored?: ContainerCheckpoint; maxLineBytes?: number } = {}) {
  const events: PipelineEvent[] = [];
  const metrics = new Metrics();
  const counter = () => metrics.counter('x');
  const ctx = {
    inputId: 'docker_logs_0', host: deepFreeze({ name: 'h' }), maxLineBytes: options.maxLineBytes ?? 1 << 20, logger: createLogger('silent'), metrics,
    counters: { records: counter(), bytes: counter(), repeatedSkipped: counter(), truncated: counter() },
    sink: { offer: (event: PipelineEvent) => events.push(event) > 0, waitForSpace: async () => undefined },
    ...(options.tag ? { tag: options.tag } : {}),
  } as unknown as FollowerContext;
  const lines = new ContainerLines('c'.repeat(64), ctx, options.restored);
  lines.describe(deepFreeze({ id: 'c'.repeat(64), name: 'web', image: { name: 'img:1' }, labels: { 'com.example': 'q"uote ✓' } }), 'docker.main.web');
  const file: LogFileRef = { dev: 1, ino: 2, first: time(1), order: 0 };
  let offset = 0;
  /** Feeds json-file entries as the tailer would: each with where it ends in the file. */
  const feed = (...entries: Buffer[]): void => {
    for (const e of entries) {
      offset += e.length + 1;
      const message = parseJsonFileEntry(e, false);
      if (!message) throw new Error(`not an entry: ${e.toString()}`);
      lines.push(message, file, offset, e.length + 1);
    }
  };
  return { lines, events, feed, offsetAfter: () => offset };
}

function encoded(event: PipelineEvent): string | undefined {
  const json = event.json;
  if (!json) return undefined;
  const target = Buffer.alloc(json.jsonBytes + 8);
  const end = json.writeJson(target, 3);
  expect(end - 3).toBe(json.jsonBytes);
  return target.toString('utf8', 3, end);
}

describe('ContainerLines', () => {
  it('gives records whose ready-made JSON is byte for byte what recordToJson makes of them', () => {
    const { events, feed } = setup();
    feed(entry('plain ascii\n'), entry('ünïcödé 😀 and 中文\n', 'stderr'), entry('no newline at the end'), entry('\n'), entry('trimmed fraction\n', 'stdout', '2026-11-29T06:40:00.5Z'));
    expect(events).toHaveLength(5);
    for (const event of events) expect(encoded(event)).toBe(recordToJson(event.record));
    expect(events.map((e) => e.record.message)).toEqual(['plain ascii', 'ünïcödé 😀 and 中文', 'no newline at the end', '', 'trimmed fraction']);
  });

  it('copies the JSON of a text whose only escapes are quotes and backslashes (JSON logged as text), byte for byte what the serialiser writes', () => {
    const { events, feed } = setup();
    const texts = ['{"n":1,"level":"info","msg":"ok"}', 'a "quote" and a \\ backslash, ünï 😀', '\\"', '"', 'C:\\dir\\"x"\\ end'];
    feed(...texts.map((t) => entry(`${t}\n`)));
    const ready = events.map(encoded);
    expect(ready.every((json) => json !== undefined)).toBe(true);
    expect(ready).toEqual(events.map((e) => recordToJson(e.record)));
    expect(events.map((e) => e.record.message)).toEqual(texts);
  });

  it('makes no ready JSON when the text had other escapes, was joined from pieces, was cut, or the tag is computed', () => {
    const escaped = setup();
    escaped.feed(entry('a "quote" and a tab\there\n'), entry('<b>&amp;\n'), entry('\u2028 \u0008 \u001b[0m\n'), entry('"a"\r\n'));
    expect(escaped.events.map(encoded)).toEqual([undefined, undefined, undefined, undefined]);
    expect(escaped.events.map((e) => e.record.message)).toEqual(['a "quote" and a tab\there', '<b>&amp;', '\u2028 \u0008 \u001b[0m', '"a"\r']);

    const pieces = setup();
    pieces.feed(entry('y'.repeat(16384)), entry('z\n'));
    expect(pieces.events.map((e) => [e.record.message.length, encoded(e)])).toEqual([[16385, undefined]]);

    const quotedPieces = setup();
    quotedPieces.feed(entry('"y'.repeat(8192)), entry('"z"\n'));
    expect(quotedPieces.events.map((e) => [e.record.message, encoded(e)])).toEqual([[`${'"y'.repeat(8192)}"z"`, undefined]]);

    const cut = setup({ maxLineBytes: 4 });
    cut.feed(entry('longer than four\n'));
    expect(cut.events.map((e) => [e.record.message, encoded(e)])).toEqual([['long', undefined]]);

    const quotedCut = setup({ maxLineBytes: 4 });
    quotedCut.feed(entry('"quoted" and longer\n'));
    expect(quotedCut.events.map((e) => [e.record.message, encoded(e)])).toEqual([['"quo', undefined]]);

    const tagged = setup({ tag: (r) => `custom.${r.stream}` });
    tagged.feed(entry('x\n'));
    expect(tagged.events.map((e) => [e.record.tag, encoded(e)])).toEqual([['custom.stdout', undefined]]);
  });

  it('takes new metadata into the ready JSON after describe()', () => {
    const { lines, events, feed } = setup();
    feed(entry('before\n'));
    lines.describe(deepFreeze({ id: 'c'.repeat(64), name: 'renamed', image: { name: 'img:2' }, labels: {} }), 'docker.main.renamed');
    feed(entry('after\n'));
    expect(events.map(encoded)).toEqual(events.map((e) => recordToJson(e.record)));
    expect(encoded(events[1] as PipelineEvent)).toContain('"name":"renamed"');
  });

  it('builds a record when first read, as it was when its line was read: tag and time are known without it', () => {
    const { lines, events, feed } = setup();
    feed(entry('ünï plain\n', 'stderr'), entry('a "quote"\n'));
    lines.describe(deepFreeze({ id: 'c'.repeat(64), name: 'renamed', image: { name: 'img:2' }, labels: {} }), 'docker.main.renamed');
    const [plain, escaped] = events as [PipelineEvent, PipelineEvent];
    expect([recordTag(plain), recordTimestamp(plain)]).toEqual(['docker.main.web', '2026-11-29T06:40:00.123456789Z']);
    expect(plain.record).toEqual({
      '@timestamp': '2026-11-29T06:40:00.123456789Z', message: 'ünï plain', stream: 'stderr', source: 'main', tag: 'docker.main.web',
      container: { id: 'c'.repeat(64), name: 'web', image: { name: 'img:1' }, labels: { 'com.example': 'q"uote ✓' } }, host: { name: 'h' },
    });
    expect(plain.record).toBe(plain.record);
    // the keys in the order records always had (JSON outputs keep it)
    expect(Object.keys(plain.record)).toEqual(['@timestamp', 'message', 'stream', 'source', 'tag', 'container', 'host']);
    const cut = setup({ maxLineBytes: 4 });
    cut.feed(entry('longer than four\n'));
    expect(Object.keys((cut.events[0] as PipelineEvent).record)).toEqual(['@timestamp', 'message', 'stream', 'source', 'tag', 'container', 'host', 'log']);
    expect((cut.events[0] as PipelineEvent).record.log).toEqual({ truncated: true, original_bytes: 16 });
    expect(escaped.record.message).toBe('a "quote"');
    // a transform changes the record, or puts another in its place: tag and time follow it
    plain.record.tag = 'changed';
    expect(recordTag(plain)).toBe('changed');
    escaped.record = { ...escaped.record, '@timestamp': '2026-11-29T07:00:00.000000000Z', tag: 'other' };
    expect([recordTag(escaped), recordTimestamp(escaped)]).toEqual(['other', '2026-11-29T07:00:00.000000000Z']);
  });

  it("carries a pod's kubernetes field after host, in the ready JSON, the built record and the shared fields alike", () => {
    const { lines, events, feed } = setup();
    const labels = {
      'io.kubernetes.pod.namespace': 'shop',
      'io.kubernetes.pod.name': 'web-5f7c9-abcde',
      'io.kubernetes.pod.uid': '0b7f5a3e-3c1d-4c55-9f3e-2a1b9c8d7e6f',
      'io.kubernetes.container.name': 'nginx',
    };
    lines.describe(containerMeta({ id: 'c'.repeat(64), name: 'k8s_nginx_web', image: 'img:1', labels }, { inputId: 'docker_logs_0', inputType: 'docker_logs', logger: createLogger('silent') }), 'docker.main.k8s_nginx_web');
    feed(entry('ready\n'), entry('a tab\there\n', 'stderr'));
    const [ready, built] = events as [PipelineEvent, PipelineEvent];
    const pod = { namespace: 'shop', pod: { name: 'web-5f7c9-abcde', uid: '0b7f5a3e-3c1d-4c55-9f3e-2a1b9c8d7e6f' }, container: { name: 'nginx' } };
    expect(ready.sharedFields?.kubernetes).toEqual(pod);
    const namespace = compileEventTemplate('logs.{kubernetes.namespace}.{kubernetes.container.name}');
    expect(namespace.perSharedFields).toBe(true);
    expect(namespace(ready)).toBe('logs.shop.nginx');
    expect(encoded(ready)).toContain(`"host":{"name":"h"},"kubernetes":${JSON.stringify(pod)}}`);
    expect(encoded(ready)).toBe(recordToJson(ready.record));
    expect(built.json).toBeUndefined();
    expect(built.record.kubernetes).toEqual(pod);
    expect(Object.keys(built.record)).toEqual(['@timestamp', 'message', 'stream', 'source', 'tag', 'container', 'host', 'kubernetes']);
  });

  it('checkpoints only the settled prefix, per stream and as a file position, whatever order settlements come in', () => {
    const { lines, events, feed, offsetAfter } = setup();
    const first = entry('one\n', 'stdout', time(1));
    feed(first, entry('two\n', 'stderr', time(2)), entry('three\n', 'stdout', time(3)));
    const [one, two, three] = events as [PipelineEvent, PipelineEvent, PipelineEvent];
    expect(lines.settledFilePosition).toEqual({ dev: 1, ino: 2, offset: 0, first: time(1) });
    three.ack.settle('delivered');
    two.ack.settle('delivered');
    // "one" is still out: the file position stays at its start, stdout has nothing settled
    expect(lines.settledFilePosition?.offset).toBe(0);
    expect(lines.settledStreams()).toEqual({ stderr: { ts: time(2), count: 1 } });
    // stdout's "three" is settled but waits behind "one"
    expect(lines.pendingRecords).toBe(2);
    one.ack.settle('delivered');
    expect(lines.settledStreams()).toEqual({ stdout: { ts: time(3), count: 1 }, stderr: { ts: time(2), count: 1 } });
    expect(lines.settledFilePosition).toEqual({ dev: 1, ino: 2, offset: offsetAfter(), first: time(1) });
    expect(lines.pendingRecords).toBe(0);
    expect(one.origin).toBe(`${'c'.repeat(64)}/stdout/${time(1)}/1`);
    // what exactly-once outputs compare: per input and stream, the stream position after the line
    expect(one.position).toEqual({ source: `docker_logs_0/${'c'.repeat(64)}/stdout`, at: time(1), n: 1 });
    expect(two.position).toEqual({ source: `docker_logs_0/${'c'.repeat(64)}/stderr`, at: time(2), n: 1 });
  });

  it('keeps the file position at the first piece of a line still being joined', () => {
    const { lines, events, feed } = setup();
    const head = entry('head\n', 'stdout', time(1));
    feed(head);
    (events[0] as PipelineEvent).ack.settle('delivered');
    expect(lines.settledFilePosition?.offset).toBe(head.length + 1);
    feed(entry('p'.repeat(16384), 'stderr', time(2)));
    expect(lines.settledFilePosition?.offset).toBe(head.length + 1);
    feed(entry('q\n', 'stderr', time(2)));
    expect(events).toHaveLength(2);
    expect(lines.settledFilePosition?.offset).toBe(head.length + 1);
  });

  // Pieces as json-file stores them: 16 KiB of raw bytes with each invalid byte (also the halves of
  // a character the cut went through) as U+FFFD, so 16,384 bytes or more; the rest has the newline.
  const R = '\uFFFD';
  // the pieces of a line share its timestamp (1); a next run's line has its own (2)
  it.each([
    ['a 2-byte character cut after 1 byte', [`${'a'.repeat(16383)}${R}`, `${R} end\n`], [`${'a'.repeat(16383)}${R}${R} end`]],
    ['a 3-byte character cut after 1 byte', [`${'a'.repeat(16383)}${R}`, `${R}${R} end\n`], [`${'a'.repeat(16383)}${R.repeat(3)} end`]],
    ['a 3-byte character cut after 2 bytes', [`${'a'.repeat(16382)}${R}${R}`, `${R} end\n`], [`${'a'.repeat(16382)}${R.repeat(3)} end`]],
    ['a 4-byte character cut after 1 byte', [`${'a'.repeat(16383)}${R}`, `${R.repeat(3)} end\n`], [`${'a'.repeat(16383)}${R.repeat(4)} end`]],
    ['a 4-byte character cut after 2 bytes', [`${'a'.repeat(16382)}${R}${R}`, `${R}${R} end\n`], [`${'a'.repeat(16382)}${R.repeat(4)} end`]],
    ['a 4-byte character cut after 3 bytes', [`${'a'.repeat(16381)}${R.repeat(3)}`, `${R} end\n`], [`${'a'.repeat(16381)}${R.repeat(4)} end`]],
    ['a 4-byte character that fits (no cut)', [`${'a'.repeat(16380)}😀`, ' end\n'], [`${'a'.repeat(16380)}😀 end`]],
    ['40 KiB of Latin-1 bytes', [R.repeat(16384), R.repeat(16384), `${R.repeat(8192)}\n`], [R.repeat(40960)]],
    ['a last output stored as 16 KiB or more, then a next run', [R.repeat(6000), 2, 'run 2\n'], [R.repeat(6000), 'run 2']],
    ['a last output of one 16 KiB piece, then a next run', ['a'.repeat(16384), 2, 'run 2\n'], ['a'.repeat(16384), 'run 2']],
    ['pieces, then a last output stored as 16 KiB or more, then a next run', [R.repeat(16384), R.repeat(7000), 2, 'run 2\n'], [R.repeat(23384), 'run 2']],
  ] as Array<[string, Array<string | number>, string[]]>)('%s: one record a line', (_name, logs, messages) => {
    const { events, feed } = setup();
    let at = 1;
    for (const log of logs) {
      if (typeof log === 'number') at = log;
      else feed(entry(log, 'stdout', time(at)));
    }
    expect(events.map((e) => e.record.message)).toEqual(messages);
  });

  it('ends a line whose last piece had no newline when the log ends (endPartialLines), not before', () => {
    const { lines, events, feed, offsetAfter } = setup();
    feed(entry('first\n', 'stdout', time(1)));
    const start = offsetAfter();
    feed(entry(R.repeat(16384), 'stdout', time(2)), entry(R.repeat(6000), 'stdout', time(2)), entry('other stream\n', 'stderr', time(3)));
    expect(events.map((e) => e.record.message)).toEqual(['first', 'other stream']);
    expect(lines.pendingSince).toBe(time(2));
    // the container runs again since time(2): a line begun after that may still be being written
    lines.endPartialLines(time(2));
    expect(events).toHaveLength(2);
    lines.endPartialLines(time(3));
    expect(events.map((e) => e.record.message.length)).toEqual([5, 12, 22384]);
    const joined = events[2] as PipelineEvent & { ts: string; count: number; startOffset: number };
    expect([joined.ts, joined.count, joined.startOffset, lines.pendingSince]).toEqual([time(2), 2, start, undefined]);
    lines.endPartialLines();
    expect(events).toHaveLength(3);
  });

  it('cuts a line of U+FFFD pieces at max_line_bytes and flags it, also when the log ends it', () => {
    const { lines, events, feed } = setup({ maxLineBytes: 20_000 });
    feed(entry(R.repeat(16384), 'stdout', time(1)), entry(R.repeat(16384), 'stdout', time(1)), entry('x\n', 'stdout', time(1)));
    feed(entry(R.repeat(16384), 'stdout', time(2)), entry(R.repeat(10000), 'stdout', time(2)));
    lines.endPartialLines();
    expect(events.map((e) => [e.record.message.startsWith(R.repeat(6666)), e.record.log])).toEqual([
      [true, { truncated: true, original_bytes: 98_305 }],
      [true, { truncated: true, original_bytes: 79_152 }],
    ]);
  });

  it('resumes after a restored checkpoint: lines up to the stream position are skipped', () => {
    const { events, feed } = setup({ restored: { name: 'web', since: time(1), streams: { stdout: { ts: time(2), count: 1 } } } });
    feed(entry('old\n', 'stdout', time(1)), entry('seen\n', 'stdout', time(2)), entry('new\n', 'stdout', time(2)), entry('newer\n', 'stdout', time(3)));
    expect(events.map((e) => e.record.message)).toEqual(['new', 'newer']);
  });
});
