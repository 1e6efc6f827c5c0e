import { z } from 'zod';
import { dockerHostOption, maxLineBytes, podSandboxesOption, selectorSchema, tagOption } from '../docker/options.js';

export const dockerLogsSchema = z
  .object({
    docker_host: dockerHostOption,
    tag: tagOption,
    include: selectorSchema
      .default({})
      .describe('Read only containers that match: every list given must match (names, images, namespaces, pods: any of them; labels: all of them). Empty: all containers.'),
    exclude: selectorSchema.default({}).describe('Skip containers that match any entry of any list.'),
    pod_sandboxes: podSandboxesOption,
    start_at: z
      .enum(['beginning', 'end'])
      .default('beginning')
      .describe('For containers already running at the first start (no checkpoint yet): read their whole log, or only new lines. Containers started later are always read from their first line.'),
    mode: z
      .enum(['auto', 'file', 'api'])
      .default('auto')
      .describe('How to read the lines: file reads each container\'s json-file log directly (fast, no load on dockerd, nothing lost at rotation); api through the Docker logs API; auto: file when the container uses the json-file driver and its log is readable here, else api. Discovery and metadata always use the API.'),
    logs_dir: z
      .string()
      .regex(/^\//, 'must be an absolute path, e.g. /host/var/lib/docker/containers')
      .optional()
      .describe('Where the host\'s /var/lib/docker/containers is mounted, if not at that path (e.g. /host/docker/containers); file mode reads LOGS_DIR/<id>/<id>-json.log.'),
    max_line_bytes: maxLineBytes
      .default(1024 * 1024)
      .describe('Longest line kept, in bytes. Longer lines (Docker splits them into 16 KiB pieces, which are joined again) are cut to this size and flagged with log.truncated.'),
  })
  .strict();

export type DockerLogsConfig = z.output<typeof dockerLogsSchema>;
