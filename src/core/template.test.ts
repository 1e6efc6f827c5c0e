import { describe, expect, it } from 'vitest';
import type { LogRecord, PipelineEvent, SharedFields } from './record.js';
import { compileEventTemplate, compileTemplate, templateProblem } from './template.js';

const record = {
  '@timestamp': '2026-11-29T01:02:03.123456789Z', message: 'hi', stream: 'stdout', source: 'main', tag: 'docker.main.web',
  container: { id: 'abc', name: 'web', image: { name: 'nginx:1' }, labels: { 'com.docker.compose.project': 'shop', app: 'demo' } },
  host: { name: 'node-1' },
} as LogRecord;

describe('templates', () => {
  it.each([
    ['logs.{container.name}', 'logs.web'],
    ['{container.id}', 'abc'],
    ['{ source }-{stream}', 'main-stdout'],
    ['{container.labels.app}', 'demo'],
    ['{container.labels.missing}', ''],
    ['{{literal}}', '{literal}'],
    ['constant', 'constant'],
    ['{container.image}', '{"name":"nginx:1"}'],
  ])('%s → %s', (template, expected) => {
    expect(compileTemplate(template)(record)).toBe(expected);
  });

  it.each([
    ['logs.{container.name', /unclosed "\{"/],
    ['logs.{}', /is not a field path/],
    ['{a b}', /is not a field path/],
  ])('%s is refused', (template, problem) => {
    expect(templateProblem(template)).toMatch(problem);
  });
});

describe('templates rendered from events', () => {
  const { '@timestamp': timestamp, message: _message, ...rest } = record;
  const shared = Object.freeze(rest) as SharedFields;
  /** An event like docker_logs' before anything built its record: building it throws here. */
  const lazy = { timestamp, tag: record.tag, sharedFields: shared, get record(): LogRecord { throw new Error('built'); } } as unknown as PipelineEvent;
  const built = { record } as PipelineEvent;
  const templates = ['logs.{container.name}', '{container.id}', '{ source }-{stream}', '{container.labels.app}', '{container.labels.missing}', 'constant', '{tag}-{@timestamp}', '{container.image}', '{container.name}-{@timestamp}'];

  it.each(templates)('%s: the same text from the shared fields as from the record, without building it', (template) => {
    const expected = compileTemplate(template)(record);
    expect(compileEventTemplate(template)(built)).toBe(expected);
    expect(compileEventTemplate(template)(lazy)).toBe(expected);
  });

  it('a template of message needs the record', () => {
    expect(() => compileEventTemplate('{message}')(lazy)).toThrow('built');
    expect(compileEventTemplate('{message}')(built)).toBe('hi');
  });

  it('says whether it renders the same for every event with the same shared fields', () => {
    expect(compileEventTemplate('{container.name}.{tag}').perSharedFields).toBe(true);
    expect(compileEventTemplate('constant').perSharedFields).toBe(true);
    expect(compileEventTemplate('{container.name}-{@timestamp}').perSharedFields).toBe(false);
    expect(compileEventTemplate('{message}').perSharedFields).toBe(false);
  });

  it('renders once per shared fields object', () => {
    const render = compileEventTemplate('{container.name}.{stream}');
    let reads = 0;
    const counting = new Proxy(shared, { get: (target, key) => ((reads += 1), Reflect.get(target, key)) });
    const event = { ...built, sharedFields: counting } as unknown as PipelineEvent;
    expect(render(event)).toBe('web.stdout');
    const after = reads;
    expect(render(event)).toBe('web.stdout');
    expect(reads).toBe(after);
  });
});
