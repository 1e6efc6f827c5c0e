import { z } from 'zod';
import { duration, durationIn } from '../../plugins/options/units.js';
import { dockerHostOption, maxLineBytes, podSandboxesOption, selectorSchema, tagOption } from '../docker/options.js';

export const MIN_INTERVAL_MS = 10_000;
export const DEFAULT_INTERVAL_MS = 60_000;

const atLeastTenSeconds = durationIn({
  min: MIN_INTERVAL_MS,
  tooSmall: 'must be at least 10s: every run creates an exec in the Docker daemon, which keeps it until the container is removed',
});

export const dockerExecSchema = z
  .object({
    docker_host: dockerHostOption,
    tag: tagOption,
    include: selectorSchema.default({}).describe('Run the command only in containers that match: every list given must match (names, images, namespaces, pods: any of them; labels: all of them).'),
    exclude: selectorSchema.default({}).describe('Skip containers that match any entry of any list.'),
    pod_sandboxes: podSandboxesOption,
    command: z
      .array(z.string().min(1))
      .min(1, 'give the command as a list, e.g. ["vmstat", "5"]')
      .describe('The command to run in each container, as an argument list. No shell is involved: write ["sh", "-c", "..."] for pipes or globs.'),
    mode: z
      .enum(['long_running', 'interval'])
      .default('long_running')
      .describe('long_running: keep the command running; re-run it with backoff (1 s doubling to 60 s) when it exits. interval: run it every `interval`.'),
    interval: atLeastTenSeconds.optional().describe('Mode interval: time between the starts of two runs, at least 10s (default 60s). A run still going at the next slot makes it skip that slot: runs never overlap.'),
    timeout: duration.optional().describe('Mode interval: a run still going after this long is stopped (TERM, then KILL after 2 s) and recorded as timed out (default: the interval).'),
    streams: z
      .array(z.enum(['stdout', 'stderr']))
      .min(1)
      .default(['stdout', 'stderr'])
      .describe('Which of the command\'s output streams to ship.'),
    exit_records: z.boolean().default(true).describe('Ship one record per finished run with exec.exit_code and exec.duration_ms (exit codes are always logged and counted).'),
    max_line_bytes: maxLineBytes.default(1024 * 1024).describe('Longest line kept; longer lines are cut to this size and flagged with log.truncated.'),
  })
  .strict();

export type DockerExecConfig = z.output<typeof dockerExecSchema>;

/** Rules across options. */
export function checkDockerExec(config: DockerExecConfig): Array<{ key: string; message: string }> {
  const problems: Array<{ key: string; message: string }> = [];
  if (config.mode !== 'interval') {
    for (const key of ['interval', 'timeout'] as const) {
      if (config[key] !== undefined) problems.push({ key, message: `only used with mode: interval — add "mode: interval" or remove ${key}` });
    }
  }
  return problems;
}
