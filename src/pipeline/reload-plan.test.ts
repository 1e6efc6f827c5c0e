import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../config/load.js';
import { describePlan, isEmptyPlan, planReload } from './reload-plan.js';

const base = `
inputs:
  - { type: generator, id: gen, count: 10 }
  - { type: generator, id: other, count: 5 }
transforms:
  - { type: modify, id: add, set: { env: prod } }
outputs:
  - { type: file, id: a, path: /tmp/a.jsonl }
  - { type: stdout, id: b }
`;

function plan(after: string, before = base) {
  return planReload(parsePipeline(before, 'before.yaml', {}), parsePipeline(after, 'after.yaml', {}));
}

describe('planReload', () => {
  const cases: Array<{ name: string; after: string; expect: Record<string, string[] | boolean> }> = [
    { name: 'the same file: nothing to do', after: base, expect: { keptInputs: ['gen', 'other'], keptOutputs: ['a', 'b'], transformsChanged: false } },
    {
      name: 'keys in another order and a default written out: unchanged',
      after: base.replace('{ type: generator, id: gen, count: 10 }', '{ count: 10, id: gen, type: generator, rate: 0 }'),
      expect: { keptInputs: ['gen', 'other'], changedInputs: [] },
    },
    { name: 'an option changed: that input restarts', after: base.replace('count: 5', 'count: 6'), expect: { keptInputs: ['gen'], changedInputs: ['other'] } },
    {
      name: 'an output added and one removed',
      after: base.replace('  - { type: stdout, id: b }', '  - { type: file, id: c, path: /tmp/c.jsonl }'),
      expect: { addedOutputs: ['c'], removedOutputs: ['b'], keptOutputs: ['a'] },
    },
    { name: 'only an output match changed: it keeps running', after: base.replace('{ type: stdout, id: b }', '{ type: stdout, id: b, match: "docker.**" }'), expect: { keptOutputs: ['a', 'b'], changedOutputs: [] } },
    { name: 'an output option changed', after: base.replace('/tmp/a.jsonl', '/tmp/a2.jsonl'), expect: { changedOutputs: ['a'], keptOutputs: ['b'] } },
    { name: 'a transform changed: the chain is rebuilt', after: base.replace('env: prod', 'env: test'), expect: { transformsChanged: true, keptInputs: ['gen', 'other'] } },
    { name: 'same id, another type: changed', after: base.replace('{ type: stdout, id: b }', '{ type: file, id: b, path: /tmp/b.jsonl }'), expect: { changedOutputs: ['b'] } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const p = plan(c.after);
      const ids = (list: Array<{ id: string }>): string[] => list.map((x) => x.id);
      const actual: Record<string, string[] | boolean> = {
        keptInputs: ids(p.inputs.kept.map((k) => k.after)),
        changedInputs: ids(p.inputs.changed.map((k) => k.after)),
        addedOutputs: ids(p.outputs.added),
        removedOutputs: ids(p.outputs.removed),
        keptOutputs: ids(p.outputs.kept.map((k) => k.after)),
        changedOutputs: ids(p.outputs.changed.map((k) => k.after)),
        transformsChanged: p.transformsChanged,
      };
      for (const [key, value] of Object.entries(c.expect)) expect(actual[key], key).toEqual(value);
    });
  }

  it('lists changed top-level settings as needing a restart, and says when nothing runs differently', () => {
    const p = plan(`queue: { max_records: 50 }\n${base}`);
    expect(p.settingsNeedingRestart).toEqual(['queue']);
    expect(isEmptyPlan(p)).toBe(true);
    expect(isEmptyPlan(plan(base.replace('count: 5', 'count: 6')))).toBe(false);
  });

  it('describes a plan in one line', () => {
    expect(describePlan(plan(base.replace('count: 5', 'count: 6').replace('  - { type: stdout, id: b }\n', '')))).toBe(
      'inputs: changed[other] kept 1; transforms: kept; outputs: removed[b] kept 1',
    );
  });
});
