import { templateText } from '../../plugins/options/validators.js';
import { z } from 'zod';
import type { LogRecord } from '../../core/record.js';
import { deepFreeze } from '../../core/record-json.js';
import { compileTemplate, type Template } from '../../core/template.js';
import { defineTransform, type PluginContext, type Transform } from '../../plugins/types.js';
import { deleteField, getField, setField, splitPath } from '../fields.js';

const template = templateText({ minLength: 0 });

export const modifySchema = z
  .object({
    set: z.record(template).default({}).describe('Fields to set: dotted path → template of record fields (e.g. env: production, node: "{host.name}").'),
    copy: z.record(z.string().min(1)).default({}).describe('Fields to copy: from path → to path.'),
    rename: z.record(z.string().min(1)).default({}).describe('Fields to rename: from path → to path.'),
    remove: z.array(z.string().min(1)).default([]).describe('Fields to remove.'),
  })
  .strict();

/** Sets, copies, renames and removes fields, in that order. */
export class Modify implements Transform {
  private readonly set: Array<[string[], Template]>;
  private readonly copy: Array<[string[], string[]]>;
  private readonly rename: Array<[string[], string[]]>;
  private readonly remove: string[][];

  constructor(config: z.output<typeof modifySchema>, _context: PluginContext) {
    this.set = Object.entries(config.set).map(([path, text]) => [splitPath(path), compileTemplate(text)]);
    this.copy = Object.entries(config.copy).map(([from, to]) => [splitPath(from), splitPath(to)]);
    this.rename = Object.entries(config.rename).map(([from, to]) => [splitPath(from), splitPath(to)]);
    this.remove = config.remove.map(splitPath);
  }

  /** Shared, frozen parents (container metadata) are stripped once and the copy reused, so it stays cached as JSON. */
  private readonly stripped = new WeakMap<object, Map<string, object>>();

  private removeField(record: LogRecord, path: string[]): void {
    const top = record[path[0] as string];
    if (path.length < 2 || top === null || typeof top !== 'object' || !Object.isFrozen(top)) {
      deleteField(record, path);
      return;
    }
    let copies = this.stripped.get(top);
    if (!copies) this.stripped.set(top, (copies = new Map()));
    const key = path.join('.');
    let copy = copies.get(key);
    if (!copy) {
      const scratch = { [path[0] as string]: top } as unknown as LogRecord;
      deleteField(scratch, path);
      copy = deepFreeze(scratch[path[0] as string] as object);
      copies.set(key, copy);
    }
    record[path[0] as string] = copy;
  }

  process: Transform['process'] = (event, emit) => {
    const record = event.record;
    for (const [path, render] of this.set) setField(record, path, render(record));
    for (const [from, to] of this.copy) {
      const value = getField(record, from);
      if (value !== undefined) setField(record, to, value);
    }
    for (const [from, to] of this.rename) {
      const value = getField(record, from);
      if (value !== undefined && deleteField(record, from)) setField(record, to, value);
    }
    for (const path of this.remove) this.removeField(record, path);
    emit(event);
  };
}

export const modifyTransform = defineTransform({
  kind: 'transform',
  type: 'modify',
  summary: 'Sets (from templates), copies, renames and removes record fields.',
  docs: 'docs/plugins/modify.md',
  schema: modifySchema,
  examples: [
    {
      title: 'Add the environment, move the app label up, drop the image',
      pipeline: `inputs:
  - type: docker_logs
transforms:
  - type: modify
    set: { env: production }
    copy: { container.labels.app: app }
    remove: [container.image]
outputs:
  - type: stdout
`,
    },
  ],
  create: (config, context) => new Modify(config, context),
});
