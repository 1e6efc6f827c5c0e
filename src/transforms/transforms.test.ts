import { describe, expect, it } from 'vitest';
import { Ack, type Outcome } from '../core/ack.js';
import { Metrics } from '../core/metrics.js';
import { deepFreeze } from '../core/record-json.js';
import type { LogRecord } from '../core/record.js';
import { compileTagGlob } from '../core/tag-match.js';
import { TransformChain } from '../pipeline/transform-chain.js';
import type { PluginContext, TransformDefinition } from '../plugins/types.js';
import { through as runThrough } from '../../test/helpers/transform-harness.js';
import { dedotTransform } from './dedot/index.js';
import { grepTransform } from './grep/index.js';
import { jsonParserTransform } from './json/index.js';
import { logfmtParserTransform, parseLogfmt } from './logfmt/index.js';
import { modifyTransform } from './modify/index.js';
import { regexParserTransform } from './regex/index.js';
import { retagTransform } from './retag/index.js';
import { sampleTransform } from './sample/index.js';
import { Throttle, throttleSchema } from './throttle/index.js';

const container = deepFreeze({ id: 'c1', name: 'web', image: { name: 'nginx:1' }, labels: { app: 'shop', 'com.docker.compose.project': 'demo' } });

function record(message: string): LogRecord {
  return { '@timestamp': '2026-11-29T01:00:00.000000000Z', message, stream: 'stdout', source: 'main', tag: 'docker.main.web', container, host: { name: 'h' } };
}

const through = (definition: TransformDefinition, options: Record<string, unknown>, messages: string[]): ReturnType<typeof runThrough> => runThrough(definition, options, messages, record);

describe('parsers', () => {
  it('json: merges fields, takes the time, keeps and marks what is not a JSON object', () => {
    const { out, metrics } = through(jsonParserTransform, { timestamp_field: 'time' }, ['{"level":"info","time":"2026-11-28T10:00:00.123Z","n":1}', 'plain text', '[1,2]']);
    expect(out[0]).toMatchObject({ level: 'info', n: 1, '@timestamp': '2026-11-28T10:00:00.123000000Z' });
    expect(out[1]).toMatchObject({ message: 'plain text', parse_error: expect.stringMatching(/^json: /) });
    expect(out[2]).toMatchObject({ parse_error: 'json: not a JSON object' });
    expect(metrics.get('parse_errors_total', { transform: 't' })).toBe(2);
  });

  it('json under a target key', () => {
    expect(through(jsonParserTransform, { target: 'app' }, ['{"a":{"b":2}}']).out[0]).toMatchObject({ app: { a: { b: 2 } }, message: '{"a":{"b":2}}' });
  });

  it('regex: named groups become fields; no match is marked', () => {
    const { out } = through(regexParserTransform, { pattern: '^(?<method>[A-Z]+) (?<path>\\S+) (?<status>\\d+)$', target: 'http' }, ['GET /x 200', 'nope']);
    expect(out[0]?.http).toEqual({ method: 'GET', path: '/x', status: '200' });
    expect(out[1]?.parse_error).toBe('regex: no match');
  });

  it.each([
    ['level=info msg="hello \\"world\\"" n=3 debug', { level: 'info', msg: 'hello "world"', n: '3', debug: true }],
    ['ts=2026-11-28T10:00:00Z at=x', { ts: '2026-11-28T10:00:00Z', at: 'x' }],
    ['just words', undefined],
    ['', undefined],
  ])('logfmt %j', (text, expected) => {
    expect(parseLogfmt(text)).toEqual(expected);
  });

  it('logfmt takes @timestamp from a parsed field', () => {
    expect(through(logfmtParserTransform, { timestamp_field: 'ts' }, ['ts=2026-11-28T10:00:00.5+01:00 a=b']).out[0]).toMatchObject({ a: 'b', '@timestamp': '2026-11-28T09:00:00.500000000Z' });
  });
});

describe('parsed keys never forge the fields logship sets', () => {
  const forged = '{"tag":"security.audit.sshd","container":{"id":"evil","name":"sshd"},"host":{"name":"bastion"},"source":"exec","stream":"stderr","@timestamp":"1999-01-01T00:00:00Z","log":{"file":{"path":"/etc/shadow"}},"exec":{"command":["x"]},"level":"warn","message":"hi"}';

  function expectReal(r: LogRecord | undefined): void {
    expect(r).toMatchObject({ tag: 'docker.main.web', container, host: { name: 'h' }, source: 'main', stream: 'stdout', '@timestamp': '2026-11-29T01:00:00.000000000Z' });
    expect(r?.log).toBeUndefined();
    expect(r?.exec).toBeUndefined();
  }

  it('json: colliding keys go under _parsed, the others are merged, message may be replaced', () => {
    const r = through(jsonParserTransform, {}, [forged]).out[0];
    expectReal(r);
    expect(r).toMatchObject({ level: 'warn', message: 'hi' });
    expect(r?._parsed).toEqual({
      tag: 'security.audit.sshd', container: { id: 'evil', name: 'sshd' }, host: { name: 'bastion' }, source: 'exec', stream: 'stderr',
      '@timestamp': '1999-01-01T00:00:00Z', log: { file: { path: '/etc/shadow' } }, exec: { command: ['x'] },
    });
  });

  it('regex named groups and logfmt keys collide the same way', () => {
    const regex = through(regexParserTransform, { pattern: '^(?<tag>\\S+) (?<host>\\S+) (?<msg>.*)$' }, ['security.audit bastion hello']).out[0];
    expectReal(regex);
    expect(regex).toMatchObject({ msg: 'hello', _parsed: { tag: 'security.audit', host: 'bastion' } });
    const logfmt = through(logfmtParserTransform, {}, ['tag=security.audit stream=stderr level=warn']).out[0];
    expectReal(logfmt);
    expect(logfmt).toMatchObject({ level: 'warn', _parsed: { tag: 'security.audit', stream: 'stderr' } });
  });

  it('collision_target names the key; a parsed key of that name is kept under it too; a second parser adds to it', () => {
    const r = through(jsonParserTransform, { collision_target: 'orig' }, ['{"tag":"x","orig":1,"a":2}']).out[0];
    expect(r).toMatchObject({ tag: 'docker.main.web', a: 2, orig: { tag: 'x', orig: 1 } });
    const metrics = new Metrics();
    const context = { id: 't', metrics } as unknown as PluginContext;
    const stages = [{ field: 'message' }, { field: 'inner' }].map((o, i) => ({ id: `t${i}`, match: compileTagGlob('**'), transform: jsonParserTransform.create(jsonParserTransform.schema.parse(o), context) }));
    const out: LogRecord[] = [];
    new TransformChain(stages).run({ record: record('{"tag":"a","inner":"{\\"host\\":{\\"name\\":\\"b\\"}}"}'), ack: new Ack(() => undefined), bytes: 1 }, (e) => out.push(e.record));
    expect(out[0]?._parsed).toEqual({ tag: 'a', host: { name: 'b' } });
    expect(out[0]?.host).toEqual({ name: 'h' });
  });

  it('allow_overwrite lets the listed fields be replaced, only by a value of their kind', () => {
    const [r, wrongKind] = through(jsonParserTransform, { allow_overwrite: ['tag', 'host'] }, [forged, '{"tag":{"a":1},"host":"bastion"}']).out;
    expect(r).toMatchObject({ tag: 'security.audit.sshd', host: { name: 'bastion' }, container, source: 'main' });
    expect(r?._parsed).toMatchObject({ container: { id: 'evil' }, source: 'exec' });
    expect(r?._parsed).not.toHaveProperty('tag');
    expectReal(wrongKind);
    expect(wrongKind?._parsed).toEqual({ tag: { a: 1 }, host: 'bastion' });
  });

  it('@timestamp comes only through timestamp_field, and then only a valid time', () => {
    const [r, bad] = through(jsonParserTransform, { timestamp_field: '@timestamp' }, ['{"@timestamp":"2026-11-28T10:00:00Z"}', '{"@timestamp":"yesterday"}']).out;
    expect(r?.['@timestamp']).toBe('2026-11-28T10:00:00.000000000Z');
    expect(r?._parsed).toBeUndefined();
    expect(bad?.['@timestamp']).toBe('2026-11-29T01:00:00.000000000Z');
    expect(bad?._parsed).toEqual({ '@timestamp': 'yesterday' });
    const other = through(jsonParserTransform, { timestamp_field: 'time' }, ['{"time":"2026-11-28T10:00:00Z","@timestamp":"junk"}']).out[0];
    expect(other).toMatchObject({ '@timestamp': '2026-11-28T10:00:00.000000000Z', time: '2026-11-28T10:00:00Z', _parsed: { '@timestamp': 'junk' } });
  });

  it('a parsed __proto__ key does not change the record\'s prototype', () => {
    const r = through(jsonParserTransform, {}, ['{"__proto__":{"log":{"truncated":true},"polluted":1}}']).out[0];
    expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
    expect(r?.log).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(JSON.stringify(r?._parsed)).toBe('{"__proto__":{"log":{"truncated":true},"polluted":1}}');
  });

  it.each([['container'], ['host.parsed'], ['tag'], ['@timestamp'], ['log.app'], ['exec']])('target %j inside a field logship sets is rejected', (target) => {
    const result = jsonParserTransform.schema.safeParse({ target });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(/logship sets/);
  });

  it.each([[{ collision_target: 'tag' }], [{ collision_target: 'a.b' }], [{ collision_target: '' }], [{ allow_overwrite: ['@timestamp'] }], [{ allow_overwrite: ['message'] }]])('%j is rejected', (options) => {
    expect(logfmtParserTransform.schema.safeParse(options).success).toBe(false);
    expect(regexParserTransform.schema.safeParse({ ...options, pattern: '(?<a>x)' }).success).toBe(false);
  });
});

describe('filters and edits', () => {
  it('grep keeps and drops by regex on any field; dropped records settle as dropped', () => {
    const { out, outcomes, metrics } = through(grepTransform, { include: { message: 'error|warn' }, exclude: { message: 'healthz' } }, ['error: x', 'info: y', 'warn: GET /healthz']);
    expect(out.map((r) => r.message)).toEqual(['error: x']);
    expect(outcomes).toEqual(['dropped', 'dropped']);
    expect(metrics.get('transform_dropped_total', { transform: 't' })).toBe(2);
    expect(through(grepTransform, { include: { 'container.labels.app': '^shop$' } }, ['a']).out).toHaveLength(1);
    expect(through(grepTransform, { exclude: { 'container.labels.app': '^shop$' } }, ['a']).out).toHaveLength(0);
  });

  it('modify sets, copies, renames and removes, without touching shared container metadata', () => {
    const { out } = through(modifyTransform, { set: { env: 'prod', 'meta.node': '{host.name}' }, copy: { 'container.labels.app': 'app' }, rename: { stream: 'fd' }, remove: ['container.image'] }, ['x']);
    expect(out[0]).toMatchObject({ env: 'prod', meta: { node: 'h' }, app: 'shop', fd: 'stdout' });
    expect(out[0]?.stream).toBeUndefined();
    expect(out[0]?.container.image).toBeUndefined();
    expect(container.image).toEqual({ name: 'nginx:1' });
  });

  it('dedot replaces dots in label keys', () => {
    expect(through(dedotTransform, {}, ['x']).out[0]?.container.labels).toEqual({ app: 'shop', com_docker_compose_project: 'demo' });
  });

  it('retag rewrites tags from fields, parts made safe', () => {
    expect(through(retagTransform, { tag: 'app.{container.labels.app}.{source}.{missing}' }, ['x']).out[0]?.tag).toBe('app.shop.main._');
  });
});

describe('throttle and sample', () => {
  it('throttle lets a burst through, then the rate, per container', () => {
    let now = 1_000_000;
    const metrics = new Metrics();
    const context = { id: 't', metrics } as unknown as PluginContext;
    const throttle = new Throttle(throttleSchema.parse({ rate: 2, burst: 3 }), context, () => now);
    const passed: string[] = [];
    const outcomes: Outcome[] = [];
    const send = (message: string, id = 'c1'): void => {
      const r = { ...record(message), container: { ...container, id } };
      throttle.process({ record: r, ack: new Ack((o) => outcomes.push(o)), bytes: 1 }, (e) => passed.push(e.record.message));
    };
    for (let i = 0; i < 5; i += 1) send(`a${i}`);
    send('other', 'c2');
    now += 1000;
    for (let i = 0; i < 3; i += 1) send(`b${i}`);
    expect(passed).toEqual(['a0', 'a1', 'a2', 'other', 'b0', 'b1']);
    expect(outcomes).toEqual(['dropped', 'dropped', 'dropped']);
    expect(metrics.get('throttle_dropped_total', { transform: 't' })).toBe(3);
  });

  it('sample keeps 1 in N per container and every record matching keep', () => {
    const { out } = through(sampleTransform, { rate: 3, keep: 'error' }, ['1', '2', '3', '4', 'error 5', '6', '7']);
    expect(out.map((r) => r.message)).toEqual(['1', '4', 'error 5']);
  });
});
