import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError, formatKeyPath, formatProblem } from './config-error.js';
import { parsePipeline } from './load.js';
import { pipelineSchema } from './pipeline-schema.js';
import { outputCommonKeys } from '../plugins/common-options.js';
import { unwrap } from './zod-introspect.js';
import { allPlugins } from '../registry.js';
import type { PluginDefinition } from '../plugins/types.js';

/**
 * Every numeric option, of every plugin and of the pipeline itself, found by walking the schemas:
 * a new option without bounds fails here. Zero is refused unless listed, with the reason.
 */
const ZERO_MEANS_SOMETHING: Record<string, string> = {
  'generator.count': '0: no end',
  'generator.rate': '0: as fast as the pipeline takes them',
  'kafka.linger': '0: send at once',
  'elasticsearch.linger': '0: send at once',
  'opensearch.linger': '0: send at once',
  'docker_tail.max_label_paths': '0: paths from the label are not followed',
};

/** Options that only validate beside another one. */
const CONTEXT: Record<string, Record<string, unknown>> = {
  docker_exec: { mode: 'interval' },
};

function isNumeric(schema: z.ZodTypeAny): boolean {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodNumber) return true;
  return inner instanceof z.ZodUnion && (inner._def.options as z.ZodTypeAny[]).some((o) => unwrap(o) instanceof z.ZodNumber);
}

function numericPaths(schema: z.ZodTypeAny, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const inner = unwrap(schema);
  if (isNumeric(inner)) return [prefix];
  if (inner instanceof z.ZodObject) return Object.entries(inner.shape as Record<string, z.ZodTypeAny>).flatMap(([k, v]) => numericPaths(v, [...prefix, k]));
  if (inner instanceof z.ZodArray) return numericPaths(inner._def.type, [...prefix, 0]);
  if (inner instanceof z.ZodRecord) return numericPaths(inner._def.valueType, [...prefix, 'any_key']);
  return [];
}

const listKey = { input: 'inputs', transform: 'transforms', output: 'outputs' } as const;

/** A pipeline text: the plugin's first example with one option set, at the plugin's entry. */
function withOption(plugin: PluginDefinition | undefined, path: Array<string | number>, value: unknown): { text: string; key: string } {
  const base = plugin?.examples[0]?.pipeline ?? 'inputs:\n  - type: generator\noutputs:\n  - type: stdout\n';
  const doc = parseDocument(base);
  let at: Array<string | number> = [];
  if (plugin) {
    const entries = (doc.toJS() as Record<string, Array<{ type: string }>>)[listKey[plugin.kind]] ?? [];
    at = [listKey[plugin.kind], entries.findIndex((e) => e.type === plugin.type)];
    for (const [k, v] of Object.entries(CONTEXT[plugin.type] ?? {})) doc.setIn([...at, k], v);
  } else if (path[0] === 'buffer') {
    at = ['outputs', 0];
  }
  doc.setIn([...at, ...path], value);
  return { text: String(doc), key: formatKeyPath([...at, ...path]) };
}

function problemsOf(text: string): string[] {
  try {
    parsePipeline(text, 'p.yaml', {});
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
}

const cases: Array<[string, PluginDefinition | undefined, Array<string | number>]> = [
  ...allPlugins.flatMap((plugin) => numericPaths(plugin.schema).map((path) => [`${plugin.type}.${path.join('.')}`, plugin, path] as [string, PluginDefinition, Array<string | number>])),
  ...numericPaths(z.object(outputCommonKeys)).map((path) => [`output.${path.join('.')}`, undefined, path] as [string, undefined, Array<string | number>]),
  ...numericPaths(pipelineSchema).map((path) => [`pipeline.${path.join('.')}`, undefined, path] as [string, undefined, Array<string | number>]),
];

describe('every numeric option has bounds', () => {
  it('finds the numeric options', () => {
    expect(cases.length).toBeGreaterThan(25);
    expect(cases.map(([name]) => name)).toEqual(expect.arrayContaining(['kafka.linger', 'pipeline.queue.max_bytes', 'output.buffer.max_bytes', 'throttle.burst']));
  });

  describe.each(cases)('%s', (name, plugin, path) => {
    const rejects = (value: unknown): void => {
      const { text, key } = withOption(plugin, path, value);
      const found = problemsOf(text);
      expect(found.length, `${name}: ${String(value)} must be refused`).toBeGreaterThan(0);
      for (const line of found) expect(line).toContain(` ${key}: `);
    };

    it('takes a sensible value', () => {
      const accepted = [1, 2, 10, 100, 1000, 60_000, 16 * 1024 * 1024].filter((v) => problemsOf(withOption(plugin, path, v).text).length === 0);
      expect(accepted.length, `${name}: no sensible value is accepted`).toBeGreaterThan(0);
    });

    it.each([['Infinity', Infinity], ['-Infinity', -Infinity], ['1e308', 1e308], ['2^53 + 2', 2 ** 53 + 2], ['-1', -1]])('refuses %s', (_label, value) => rejects(value));

    it(`zero: ${ZERO_MEANS_SOMETHING[name] ?? 'refused'}`, () => {
      if (ZERO_MEANS_SOMETHING[name]) expect(problemsOf(withOption(plugin, path, 0).text)).toEqual([]);
      else rejects(0);
    });
  });
});
