import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from './config-error.js';
import { parsePipeline } from './load.js';

const pipeline = (options: string): string => `inputs:
  - type: generator
outputs:
  - type: elasticsearch
    hosts: ["http://127.0.0.1:9200"]
${options}`;

describe('batching options: one vocabulary, old names accepted', () => {
  it('takes an old name as the new one, with a one-line warning naming the file, the key and the new name', () => {
    const parsed = parsePipeline(pipeline('    batch_max_docs: 300\n'), 'p.yaml', {});
    expect(parsed.outputs[0]?.config.batch_max_records).toBe(300);
    expect(parsed.outputs[0]?.config).not.toHaveProperty('batch_max_docs');
    expect(parsed.outputs[0]?.common.batching.maxRecords).toBe(300);
    expect(parsed.warnings.map(formatProblem)).toEqual(['p.yaml:6:5: outputs[0].batch_max_docs: deprecated name: write batch_max_records (batch_max_docs is still accepted)']);
  });

  it('has no warning for the new name', () => {
    const parsed = parsePipeline(pipeline('    batch_max_records: 300\n'), 'p.yaml', {});
    expect(parsed.outputs[0]?.common.batching.maxRecords).toBe(300);
    expect(parsed.warnings).toEqual([]);
  });

  it('refuses both names at once', () => {
    const error = (() => {
      try {
        parsePipeline(pipeline('    batch_max_records: 300\n    batch_max_docs: 200\n'), 'p.yaml', {});
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map(formatProblem)).toEqual(['p.yaml:7:5: outputs[0].batch_max_docs: give batch_max_records or its old name batch_max_docs, not both']);
  });
});
