import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { optionsMarkdown, spliceOptions } from './cli/plugin-docs.js';
import { loadPipelineFile, parsePipeline } from './config/load.js';
import { allPlugins } from './registry.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The YAML code blocks of a Markdown page that are whole pipelines. */
function pipelineBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').filter((b) => /^inputs:/m.test(b));
}

describe('plugin registry', () => {
  it('has unique types per kind', () => {
    const keys = allPlugins.map((p) => `${p.kind}:${p.type}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  describe.each(allPlugins.map((p) => [`${p.kind} ${p.type}`, p] as const))('%s', (_name, plugin) => {
    it('has examples that validate and use it', () => {
      expect(plugin.examples.length).toBeGreaterThan(0);
      for (const example of plugin.examples) {
        const pipeline = parsePipeline(example.pipeline, `${plugin.type} example "${example.title}"`, {});
        const used = [...pipeline.inputs, ...pipeline.transforms, ...pipeline.outputs].map((p) => p.definition.type);
        expect(used).toContain(plugin.type);
      }
    });

    it('has a documentation page listing every option, as the registry describes it', () => {
      const page = readFileSync(join(root, plugin.docs), 'utf8');
      expect(spliceOptions(page, optionsMarkdown(plugin)), 'run: npm run build && node scripts/update-docs.mjs').toBe(page);
    });

    it('has a documentation page whose every pipeline example validates and uses it', () => {
      const blocks = pipelineBlocks(readFileSync(join(root, plugin.docs), 'utf8'));
      expect(blocks.length).toBeGreaterThan(0);
      for (const block of blocks) {
        const pipeline = parsePipeline(block, plugin.docs, {});
        expect([...pipeline.inputs, ...pipeline.transforms, ...pipeline.outputs].map((p) => p.definition.type)).toContain(plugin.type);
      }
    });
  });

  it('pipeline examples in the README and in docs/ validate', () => {
    const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    let blocks = 0;
    const env = { KAFKA_BROKERS: 'kafka:9092', ES_URL: 'http://elasticsearch:9200' };
    for (const page of pages) {
      for (const block of pipelineBlocks(readFileSync(join(root, page), 'utf8'))) {
        parsePipeline(block, page, env);
        blocks += 1;
      }
    }
    expect(blocks).toBeGreaterThan(5);
  });

  it('every pipeline file in pipelines/ validates (tests beside them are not pipelines)', () => {
    const files = readdirSync(join(root, 'pipelines')).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'));
    expect(files).toContain('default.yaml');
    for (const file of files) loadPipelineFile(join(root, 'pipelines', file), {});
  });
});
