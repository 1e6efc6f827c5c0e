import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import pino from 'pino';
import { isMap, parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../config/config-error.js';
import { loadPipelineFile } from '../config/load.js';
import { Ack } from '../core/ack.js';
import { Metrics } from '../core/metrics.js';
import type { LogRecord, PipelineEvent } from '../core/record.js';
import { compileTagGlob } from '../core/tag-match.js';
import { TransformChain, transformStage } from '../pipeline/transform-chain.js';
import type { PluginContext } from '../plugins/types.js';

const expectedRecords = z.array(z.record(z.unknown()));

const testFileSchema = z
  .object({
    pipeline: z.string().min(1),
    env: z.record(z.string()).default({}),
    cases: z
      .array(
        z
          .object({
            name: z.string().min(1),
            input: z.array(z.record(z.unknown())).min(1),
            // a list: the records that leave the transforms (whichever output takes them);
            // a map: output id → the records that output receives
            expect: z.union([expectedRecords, z.record(expectedRecords)]),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export interface CaseResult {
  name: string;
  passed: boolean;
  /** Readable differences, one line each. */
  diff: string[];
}

/**
 * Runs a pipeline test file: records given as the inputs would emit them go through the
 * pipeline's real transforms and routing; what reaches each output is compared with what is
 * expected (every expected field must be equal; other fields may differ). No input or output runs.
 */
export function runPipelineTests(file: string): CaseResult[] {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.errors.length || !isMap(doc.contents)) throw new ConfigError([{ file, message: `not a pipeline test file: ${doc.errors[0]?.message ?? 'expected a mapping with pipeline and cases'}` }]);
  const parsed = testFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => ({ file, key: i.path.join('.'), message: i.message })));
  }
  const spec = parsed.data;
  const beside = resolve(dirname(file), spec.pipeline);
  const pipelineFile = existsSync(beside) ? beside : resolve(spec.pipeline);
  const pipeline = loadPipelineFile(pipelineFile, { ...process.env, ...spec.env });
  return spec.cases.map((test) => {
    const metrics = new Metrics();
    const context = (id: string): PluginContext => ({ id, logger: pino({ level: 'silent' }), hostName: 'test-host', stateDir: '/nonexistent', checkpoints: undefined as never, metrics });
    const chain = new TransformChain(pipeline.transforms.map((t) => transformStage(t.id, t.match, t.definition.create(t.config, context(t.id)))));
    const transformed: LogRecord[] = [];
    const received = new Map<string, LogRecord[]>(pipeline.outputs.map((o) => [o.id, []]));
    const routes = pipeline.outputs.map((o) => ({ id: o.id, match: compileTagGlob(o.match) }));
    const deliver = (event: PipelineEvent): void => {
      transformed.push(event.record);
      for (const r of routes) if (r.match(event.record.tag)) received.get(r.id)?.push(event.record);
    };
    for (const input of test.input) chain.run({ record: inputRecord(input), ack: new Ack(() => undefined), bytes: 1 }, deliver);
    chain.drain(deliver);
    const diff: string[] = [];
    if (Array.isArray(test.expect)) {
      diff.push(...compareRecords('records', test.expect, transformed));
    } else {
      for (const [output, expected] of Object.entries(test.expect)) {
        const got = received.get(output);
        if (!got) {
          diff.push(`no output "${output}" in ${spec.pipeline} (outputs: ${[...received.keys()].join(', ')})`);
          continue;
        }
        diff.push(...compareRecords(output, expected, got));
      }
      for (const [output, got] of received) {
        if (!(output in test.expect) && got.length) diff.push(`${output}: ${got.length} unexpected record(s), first: ${JSON.stringify(got[0])}`);
      }
    }
    return { name: test.name, passed: diff.length === 0, diff };
  });
}

/** A record as docker_logs would emit it, with the test's fields over it. */
function inputRecord(fields: Record<string, unknown>): LogRecord {
  const container = { id: 'test-container', name: 'test', image: { name: 'test:1' }, labels: {}, ...(fields.container as object | undefined) } as LogRecord['container'];
  const source = (fields.source as LogRecord['source'] | undefined) ?? 'main';
  return {
    '@timestamp': '2026-01-01T00:00:00.000000000Z',
    message: '',
    stream: 'stdout',
    source,
    tag: `docker.${source}.${container.name.replace(/\./g, '_')}`,
    host: { name: 'test-host' },
    ...fields,
    container,
  } as LogRecord;
}

function compareRecords(output: string, expected: Array<Record<string, unknown>>, got: LogRecord[]): string[] {
  const lines: string[] = [];
  const n = Math.max(expected.length, got.length);
  for (let i = 0; i < n; i += 1) {
    const want = expected[i];
    const have = got[i];
    if (!want) lines.push(`${output}[${i}]: unexpected record ${JSON.stringify(have)}`);
    else if (!have) lines.push(`${output}[${i}]: missing, expected ${JSON.stringify(want)}`);
    else for (const problem of subsetDiff(want, have as unknown as Record<string, unknown>, '')) lines.push(`${output}[${i}].${problem}`);
  }
  return lines;
}

function subsetDiff(want: unknown, have: unknown, path: string): string[] {
  if (want !== null && typeof want === 'object' && !Array.isArray(want)) {
    if (have === null || typeof have !== 'object') return [`${path || '(record)'}: expected ${JSON.stringify(want)}, got ${JSON.stringify(have)}`];
    return Object.entries(want).flatMap(([k, v]) => subsetDiff(v, (have as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(want) === JSON.stringify(have) ? [] : [`${path}: expected ${JSON.stringify(want)}, got ${JSON.stringify(have)}`];
}
