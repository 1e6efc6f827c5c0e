import { defineInput } from '../../plugins/types.js';
import { dockerHealthCheck } from '../../services/docker.js';
import { DockerTailInput } from './docker-tail-input.js';
import { dockerTailSchema } from './schema.js';

export const dockerTailInput = defineInput({
  kind: 'input',
  type: 'docker_tail',
  summary: 'Follows log files inside containers (no host mount) with one long-lived exec per file that follows it by name across rotations (like tail -F), from the last delivered byte.',
  docs: 'docs/plugins/docker_tail.md',
  schema: dockerTailSchema,
  examples: [
    {
      title: 'Main output and an in-container log file of the demo containers, to one file',
      pipeline: `inputs:
  - type: docker_logs
    include: { labels: ["app=demo"] }
  - type: docker_tail
    include: { labels: ["app=demo"] }
    paths: ["/var/log/app.log"]
outputs:
  - type: file
    match: "docker.**"
    path: /tmp/out.jsonl
`,
    },
    {
      title: 'Kubernetes (Docker Engine nodes): a log file in every container named "app" of the pods outside kube-system',
      pipeline: `inputs:
  - type: docker_tail
    include: { labels: ["io.kubernetes.container.name=app"] }
    exclude: { namespaces: ["kube-system"] }
    paths: ["/var/log/app.log"]
    tag: "files.{kubernetes.namespace}"
outputs:
  - type: file
    match: "files.*"
    path: /tmp/files.jsonl
`,
    },
  ],
  healthcheck: (config) => dockerHealthCheck(config.docker_host),
  create: (config, context) => new DockerTailInput(config, context),
});
