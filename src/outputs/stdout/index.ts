import { defineOutput } from '../../plugins/types.js';
import { stdoutSchema } from './schema.js';
import { StdoutOutput } from './stdout-output.js';

export const stdoutOutput = defineOutput({
  kind: 'output',
  type: 'stdout',
  summary: 'Writes records to standard output as JSON lines, or in a short human format.',
  docs: 'docs/plugins/stdout.md',
  schema: stdoutSchema,
  examples: [
    {
      title: 'All containers, human-readable',
      pipeline: `inputs:
  - type: docker_logs
outputs:
  - type: stdout
    format: human
`,
    },
  ],
  batching: () => ({ maxRecords: 1024, lingerMs: 0 }),
  create: (config) => new StdoutOutput(config),
});
