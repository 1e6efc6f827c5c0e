import { defineInput } from '../../plugins/types.js';
import { dockerHealthCheck } from '../../services/docker.js';
import { DockerLogsInput } from './docker-logs-input.js';
import { dockerLogsSchema } from './schema.js';

export const dockerLogsInput = defineInput({
  kind: 'input',
  type: 'docker_logs',
  summary: "Reads every matching container's stdout and stderr through the Docker Engine API, no line skipped across restarts (exactly once into files and Elasticsearch, at least once into Kafka and stdout).",
  docs: 'docs/plugins/docker_logs.md',
  schema: dockerLogsSchema,
  examples: [
    {
      title: 'Containers labelled app=demo, to a file',
      pipeline: `inputs:
  - type: docker_logs
    include:
      labels: ["app=demo"]
outputs:
  - type: file
    match: "docker.**"
    path: /tmp/out.jsonl
`,
    },
    {
      title: 'Everything except the databases, new lines only on first start',
      pipeline: `inputs:
  - type: docker_logs
    start_at: end
    exclude:
      images: ["postgres:*", "redis:*"]
      labels: ["logship.skip"]
    max_line_bytes: 256KiB
outputs:
  - type: stdout
`,
    },
    {
      title: 'Kubernetes (Docker Engine nodes): the pods of the shop namespaces, tagged by namespace and container',
      pipeline: `inputs:
  - type: docker_logs
    include:
      namespaces: ["shop", "shop-*"]
    exclude:
      pods: ["*-debug-*"]
    tag: "k8s.{kubernetes.namespace}.{kubernetes.container.name}"
outputs:
  - type: file
    match: "k8s.**"
    path: /tmp/shop.jsonl
`,
    },
  ],
  healthcheck: (config) => dockerHealthCheck(config.docker_host),
  create: (config, context) => new DockerLogsInput(config, context),
});
