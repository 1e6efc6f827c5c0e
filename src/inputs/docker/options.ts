import { z } from 'zod';
import { redactUrls } from '../../core/redact.js';
import { byteSizeIn, MiB } from '../../plugins/options/units.js';
import { templateText } from '../../plugins/options/validators.js';

/** Options every Docker input shares: where the daemon is, which containers, the tag, the longest line. */

/** The longest line an input keeps: a record is one string, and V8 strings stop at about 512 MiB. */
export const maxLineBytes = byteSizeIn({ max: 64 * MiB });

export const selectorSchema = z
  .object({
    names: z.array(z.string()).default([]).describe('Container name globs ("*" any characters, "?" one).'),
    labels: z.array(z.string()).default([]).describe('Labels, as "key" (present) or "key=value".'),
    images: z.array(z.string()).default([]).describe('Image name globs, e.g. "nginx:*" or "local/*".'),
    namespaces: z.array(z.string()).default([]).describe('Kubernetes namespace globs, e.g. "shop-*" (containers of pods only: see kubernetes.namespace).'),
    pods: z.array(z.string()).default([]).describe('Kubernetes pod name globs, e.g. "web-*" (containers of pods only: see kubernetes.pod.name).'),
  })
  .strict();

export type Selector = z.output<typeof selectorSchema>;

export const dockerHostOption = z
  .string()
  .refine(isDockerAddress, (text) => ({ message: `"${redactUrls(text)}" is not a Docker address — write unix:///var/run/docker.sock, tcp://HOST:2375 or https://HOST:2376 (port 1-65535)` }))
  .default(process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock')
  .describe('Docker Engine API address: unix:///path/to/docker.sock or http://host:port. Default: $DOCKER_HOST, else the local socket.');

/** The `pod_sandboxes` option of the Docker inputs. */
export const podSandboxesOption = z
  .boolean()
  .default(false)
  .describe('Also take Kubernetes pod sandboxes ("pause" containers, labelled io.kubernetes.docker.type=podsandbox by cri-dockerd). Off: they are skipped, as they print nothing but a line when stopped.');

/** The `tag` option of the Docker inputs. */
export const tagOption = templateText()
  .optional()
  .describe('Tag template of record fields instead of docker.<source>.<container name>, e.g. "app.{container.labels.app}.{source}".');

function isDockerAddress(text: string): boolean {
  if (text.startsWith('unix:///') || text.startsWith('/')) return true;
  try {
    const url = new URL(text.replace(/^tcp:/, 'http:'));
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
