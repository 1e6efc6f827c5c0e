import { defineInput } from '../../plugins/types.js';
import { dockerHealthCheck } from '../../services/docker.js';
import { DockerExecInput } from './docker-exec-input.js';
import { checkDockerExec, dockerExecSchema } from './schema.js';

export const dockerExecInput = defineInput({
  kind: 'input',
  type: 'docker_exec',
  summary: 'Runs a command inside each matching container (kept running, or every interval) and ships its stdout/stderr lines, tagged source exec.',
  docs: 'docs/plugins/docker_exec.md',
  schema: dockerExecSchema,
  check: checkDockerExec,
  examples: [
    {
      title: "A long-running command: every command Redis executes, from each container labelled app=redis",
      pipeline: `inputs:
  - type: docker_exec
    include: { labels: ["app=redis"] }
    command: ["redis-cli", "monitor"]
outputs:
  - type: stdout
`,
    },
    {
      title: 'An interval command: disk usage inside every container of the compose project "shop", every 5 minutes',
      pipeline: `inputs:
  - type: docker_exec
    include: { labels: ["com.docker.compose.project=shop"] }
    command: ["df", "-k"]
    mode: interval
    interval: 5m
    timeout: 30s
    streams: [stdout]
outputs:
  - type: file
    path: /var/log/logship/disk-usage.jsonl
`,
    },
    {
      title: 'Kubernetes (Docker Engine nodes): disk usage in the containers of the shop pods, every 5 minutes',
      pipeline: `inputs:
  - type: docker_exec
    include: { namespaces: ["shop"] }
    command: ["df", "-k"]
    mode: interval
    interval: 5m
    streams: [stdout]
    tag: "disk.{kubernetes.namespace}.{kubernetes.container.name}"
outputs:
  - type: file
    match: "disk.**"
    path: /var/log/logship/disk-usage.jsonl
`,
    },
  ],
  healthcheck: (config) => dockerHealthCheck(config.docker_host),
  create: (config, context) => new DockerExecInput(config, context),
});
