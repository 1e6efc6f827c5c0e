import { z } from 'zod';
import { dockerHostOption, maxLineBytes, podSandboxesOption, selectorSchema, tagOption } from '../docker/options.js';

export const dockerTailSchema = z
  .object({
    docker_host: dockerHostOption,
    tag: tagOption,
    include: selectorSchema.default({}).describe('Tail files only in containers that match: every list given must match (names, images, namespaces, pods: any of them; labels: all of them).'),
    exclude: selectorSchema.default({}).describe('Skip containers that match any entry of any list.'),
    pod_sandboxes: podSandboxesOption,
    paths: z.array(z.string().regex(/^\/[^\n']*$/, 'must be an absolute path without quotes or newlines')).default([]).describe('Absolute paths of files inside the containers to follow.'),
    label: z.string().default('logship.tail').describe('Container label holding more paths to follow, comma-separated: a container can opt in by label alone. Only absolute paths of letters, digits and ._@%+=:~/- are taken.'),
    max_label_paths: z.number().int().min(0).max(1000).default(8).describe('Most files one container may name in its label; each costs an exec running in that container. Further paths are skipped, with one warning.'),
    max_line_bytes: maxLineBytes.default(1024 * 1024).describe('Longest line kept; longer lines are cut to this size and flagged with log.truncated.'),
  })
  .strict();

export type DockerTailConfig = z.output<typeof dockerTailSchema>;
