import { defineOutput } from '../../plugins/types.js';
import { lazyOutput } from '../../plugins/lazy-output.js';
import { bulkBatching } from '../../plugins/bulk/bulk-schema.js';
import { checkOpenSearch, opensearchSchema } from './schema.js';

export const opensearchOutput = defineOutput({
  kind: 'output',
  type: 'opensearch',
  summary: 'Indexes records into OpenSearch with bulk requests: the elasticsearch output\'s engine (deterministic IDs, per-item retries, dead letters) with the OpenSearch client.',
  docs: 'docs/plugins/opensearch.md',
  schema: opensearchSchema,
  check: checkOpenSearch,
  examples: [
    {
      title: 'The demo containers, one index per container name and day',
      pipeline: `inputs:
  - type: docker_logs
    include: { labels: ["app=demo"] }
outputs:
  - type: opensearch
    match: "docker.**"
    hosts: ["http://127.0.0.1:9201"]
    index: "logs-{container.name}-%Y.%m.%d"
`,
    },
    {
      title: 'Data streams per compose project, over TLS with basic authentication, refused documents to an index',
      pipeline: `inputs:
  - type: docker_logs
outputs:
  - type: opensearch
    hosts: ["https://opensearch.example.com:9200"]
    auth:
      username: logship
      password: \${OPENSEARCH_PASSWORD:-change-me}
    data_stream:
      dataset: "{container.labels.com.docker.compose.project}"
      namespace: production
    dead_letter_index: logship-dead-letters
`,
    },
  ],
  batching: bulkBatching,
  // the client library loads only for pipelines that use this output
  create: (config, context) => lazyOutput(async () => (await import('./opensearch-output.js')).opensearchOutput(config, context)),
});
