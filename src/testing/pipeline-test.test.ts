import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testCommand } from '../cli/test-command.js';

function files(pipeline: string, tests: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pipeline-test-'));
  writeFileSync(join(dir, 'p.yaml'), pipeline);
  writeFileSync(join(dir, 'p.test.yaml'), `pipeline: p.yaml\ncases:\n${tests}`);
  return join(dir, 'p.test.yaml');
}

const pipeline = `inputs:
  - type: docker_logs
transforms:
  - type: grep
    exclude: { message: debug }
  - type: retag
    match: "docker.main.**"
    tag: "app.{container.labels.app}"
outputs:
  - type: stdout
    id: apps
    match: "app.**"
  - type: stdout
    id: rest
    match: "docker.**"
`;

describe('logship test', () => {
  it('a list under expect: the records leaving the transforms', () => {
    const file = files(pipeline, `  - name: list form
    input:
      - { message: "a", container: { labels: { app: shop } } }
      - { message: "debug b" }
    expect:
      - { message: a, tag: app.shop }
`);
    expect(testCommand([file], () => undefined)).toBe(0);
  });

  it('passes when each output receives the expected records', () => {
    const file = files(pipeline, `  - name: routed by app label
    input:
      - { message: "a", container: { labels: { app: shop } } }
      - { message: "debug b" }
      - { message: "c", source: exec }
    expect:
      apps: [{ message: a, tag: app.shop }]
      rest: [{ message: c, tag: docker.exec.test }]
`);
    const out: string[] = [];
    expect(testCommand([file], (l) => out.push(l))).toBe(0);
    expect(out.at(-1)).toBe('1 passed, 0 failed');
  });

  it('fails with a readable diff and exit code 1', () => {
    const file = files(pipeline, `  - name: wrong expectations
    input:
      - { message: "a", container: { labels: { app: shop } } }
      - { message: "c", source: exec }
    expect:
      apps: [{ message: b, tag: app.shop }]
`);
    const out: string[] = [];
    expect(testCommand([file], (l) => out.push(l))).toBe(1);
    expect(out).toContain('     apps[0].message: expected "b", got "a"');
    expect(out.some((l) => l.startsWith('     rest: 1 unexpected record(s)'))).toBe(true);
    expect(out.at(-1)).toBe('0 passed, 1 failed');
  });
});

describe('the pipelines shipped in pipelines/', () => {
  it('each has a test file beside it, and every test passes', async () => {
    const { readdirSync } = await import('node:fs');
    const root = join(import.meta.dirname, '../../pipelines');
    const entries = readdirSync(root);
    const pipelines = entries.filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'));
    const tests = entries.filter((f) => f.endsWith('.test.yaml'));
    expect(pipelines.filter((p) => !tests.includes(p.replace(/\.yaml$/, '.test.yaml')))).toEqual([]);
    const out: string[] = [];
    const previous = process.cwd();
    // test files name their pipeline beside them or from the repository root
    process.chdir(join(root, '..'));
    try {
      expect(testCommand(tests.map((t) => join(root, t)), (l) => out.push(l)), out.join('\n')).toBe(0);
    } finally {
      process.chdir(previous);
    }
  });
});
