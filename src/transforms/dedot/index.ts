import { z } from 'zod';
import { defineTransform, type PluginContext, type Transform } from '../../plugins/types.js';
import { getField, setField, splitPath } from '../fields.js';

export const dedotSchema = z
  .object({
    fields: z.array(z.string().min(1)).default(['container.labels']).describe('Objects whose keys are de-dotted.'),
    replacement: z.string().default('_').describe('What replaces each dot in a key.'),
  })
  .strict();

/** com.docker.compose.project → com_docker_compose_project: stores that read dots as paths (Elasticsearch) reject a key next to its own prefix. */
export class Dedot implements Transform {
  private readonly paths: string[][];
  private readonly cache = new WeakMap<object, Record<string, unknown>>();

  constructor(
    private readonly config: z.output<typeof dedotSchema>,
    _context: PluginContext,
  ) {
    this.paths = config.fields.map(splitPath);
  }

  process: Transform['process'] = (event, emit) => {
    for (const path of this.paths) {
      const value = getField(event.record, path);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
      if (!Object.keys(value).some((k) => k.includes('.'))) continue;
      // labels are shared by every record of a container: de-dot each object once
      let dedotted = this.cache.get(value);
      if (!dedotted) {
        dedotted = Object.fromEntries(Object.entries(value).map(([k, v]) => [k.replace(/\./g, this.config.replacement), v]));
        this.cache.set(value, dedotted);
      }
      setField(event.record, path, dedotted);
    }
    emit(event);
  };
}

export const dedotTransform = defineTransform({
  kind: 'transform',
  type: 'dedot',
  summary: 'Replaces dots in the keys of objects such as container.labels (Elasticsearch reads dots as paths).',
  docs: 'docs/plugins/dedot.md',
  schema: dedotSchema,
  examples: [
    {
      title: 'De-dot container labels',
      pipeline: `inputs:
  - type: docker_logs
transforms:
  - type: dedot
outputs:
  - type: stdout
`,
    },
  ],
  create: (config, context) => new Dedot(config, context),
});
