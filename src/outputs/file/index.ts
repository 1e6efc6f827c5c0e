import { defineOutput } from '../../plugins/types.js';
import { FileOutput } from './file-output.js';
import { fileSchema } from './schema.js';

export const fileOutput = defineOutput({
  kind: 'output',
  type: 'file',
  summary: 'Appends records to a file as JSON lines, without duplicates across shipper crashes.',
  docs: 'docs/plugins/file.md',
  schema: fileSchema,
  examples: [
    {
      title: 'Only the web containers, to a file, fsync on every batch',
      pipeline: `inputs:
  - type: docker_logs
outputs:
  - type: file
    match: "docker.main.web*"
    path: /var/log/logship/web.jsonl
    fsync: true
`,
    },
  ],
  batching: (config) => ({ maxRecords: config.batch_max_records, lingerMs: 0 }),
  create: (config, context) => new FileOutput(config, context),
});
