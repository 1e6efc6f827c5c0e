import { defineOutput } from '../../plugins/types.js';
import { lazyOutput } from '../../plugins/lazy-output.js';
import { checkElasticsearch, elasticsearchSchema } from './schema.js';
import { bulkBatching } from '../../plugins/bulk/bulk-schema.js';

export const elasticsearchOutput = defineOutput({
  kind: 'output',
  type: 'elasticsearch',
  summary: 'Indexes records into Elasticsearch with bulk requests: deterministic IDs (no duplicates on resend), per-item retries, dead letters.',
  docs: 'docs/plugins/elasticsearch.md',
  schema: elasticsearchSchema,
  check: checkElasticsearch,
  examples: [
    {
      title: 'The demo containers, one index per container name',
      pipeline: `inputs:
  - type: docker_logs
    include: { labels: ["app=demo"] }
outputs:
  - type: elasticsearch
    match: "docker.**"
    hosts: ["http://127.0.0.1:9200"]
    index: "logs-{container.name}"
`,
    },
    {
      title: 'Data streams per compose project, over TLS with an API key, refused documents to an index',
      pipeline: `inputs:
  - type: docker_logs
outputs:
  - type: elasticsearch
    hosts: ["https://es.example.com:9200"]
    auth:
      api_key: \${ES_API_KEY:-change-me}
    data_stream:
      dataset: "{container.labels.app}"
      namespace: production
    dead_letter_index: logship-dead-letters
`,
    },
  ],
  batching: bulkBatching,
  // the client library loads only for pipelines that use this output
  create: (config, context) => lazyOutput(async () => (await import('./elasticsearch-output.js')).elasticsearchOutput(config, context)),
});
