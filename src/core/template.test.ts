import { describe, expect, it } from 'vitest';
import type { LogRecord } from './record.js';
import { compileTemplate, templateProblem } from './template.js';

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
