import { templateText } from '../../plugins/options/validators.js';
import { z } from 'zod';
import { redactUrls } from '../../core/redact.js';
import { byteSizeIn, MiB } from '../../plugins/options/units.js';

/** The longest line an input keeps: a record is one string, and V8 strings stop at about 512 MiB. */
export const maxLineBytes = byteSizeIn({ max: 64 * MiB });

export const selectorSchema = z
  .object({
    names: z.array(z.string()).default([]).describe('Container name globs ("*" any characters, "?" one).'),
    labels: z.array(z.string()).default([]).describe('Labels, as "key" (present) or "key=value".'),
    images: z.array(z.string()).default([]).describe('Image name globs, e.g. "nginx:*" or "local/*".'),
  })
  .strict();

export const dockerHostOption = z
  .string()
  .refine(isDockerAddress, (text) => ({ message: `"${redactUrls(text)}" is not a Docker address — write unix:///var/run/docker.sock, tcp://HOST:2375 or https://HOST:2376 (port 1-65535)` }))
  .default(process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock')
  .describe('Docker Engine API address: unix:///path/to/docker.sock or http://host:port. Default: $DOCKER_HOST, else the local socket.');

/** The `tag` option of the Docker inputs. */
export const tagOption = templateText()
  .optional()
  .describe('Tag template of record fields instead of docker.<source>.<container name>, e.g. "app.{container.labels.app}.{source}".');

export const dockerLogsSchema = z
  .object({
    docker_host: dockerHostOption,
    tag: tagOption,
    include: selectorSchema
      .default({})
      .describe('Read only containers that match: every list given must match (names: any of them; labels: all of them; images: any of them). Empty: all containers.'),
    exclude: selectorSchema.default({}).describe('Skip containers that match any entry of any list.'),
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
export type Selector = z.output<typeof selectorSchema>;

function isDockerAddress(text: string): boolean {
  if (text.startsWith('unix:///') || text.startsWith('/')) return true;
  try {
    const url = new URL(text.replace(/^tcp:/, 'http:'));
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
