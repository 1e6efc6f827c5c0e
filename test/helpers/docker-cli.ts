import { randomUUID } from 'node:crypto';
import { docker } from '../../bench/lib/docker.js';

// the docker CLI and reading its logs: one implementation for the tests and the benchmarks, in the bench kit
export { containerProcesses, docker, dockerLogLines } from '../../bench/lib/docker.js';

export const BUSYBOX = 'logship-test/busybox:1';

export function uniqueLabel(): string {
  return `logship.test=${randomUUID().slice(0, 8)}`;
}

export interface RunOptions {
  label: string;
  script: string;
  name?: string;
  tty?: boolean;
  rm?: boolean;
  extraArgs?: string[];
}

/** Starts a detached busybox container running a shell script; returns its full ID. */
export async function runContainer(options: RunOptions): Promise<string> {
  const args = ['run', '-d', '--network', 'none', '--label', options.label];
  if (options.name) args.push('--name', options.name);
  if (options.tty) args.push('-t');
  if (options.rm) args.push('--rm');
  args.push(...(options.extraArgs ?? []), BUSYBOX, 'sh', '-c', options.script);
  return (await docker(...args)).trim();
}

export async function waitForExit(id: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const state = (await docker('inspect', '-f', '{{.State.Running}}', id).catch(() => 'false')).trim();
    if (state === 'false') return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`container ${id.slice(0, 12)} still running after ${timeoutMs} ms`);
}

export async function removeContainersWithLabel(label: string): Promise<void> {
  const ids = (await docker('ps', '-aq', '--filter', `label=${label}`)).split('\n').filter(Boolean);
  if (ids.length) await docker('rm', '-f', ...ids).catch(() => undefined);
}

/** A script that prints `<prefix> 1` … `<prefix> n` to stdout and `<errPrefix> i` to stderr. */
export function numberedScript(count: number, options: { stderr?: boolean; pauseEvery?: number; pauseUs?: number } = {}): string {
  const err = options.stderr ? 'echo "err $i" >&2; ' : '';
  const pause = options.pauseEvery ? `[ $((i % ${options.pauseEvery})) -eq 0 ] && usleep ${options.pauseUs ?? 100000}; ` : '';
  return `i=1; while [ $i -le ${count} ]; do echo "out $i"; ${err}${pause}i=$((i+1)); done`;
}

/** Execs the daemon created in a container since a time, counted from its own event log (independent of logship). */
export async function execCreations(id: string, sinceUnixSeconds: number): Promise<number> {
  const until = Math.ceil(Date.now() / 1000) + 1;
  // JSON: an exec's action holds its whole command line, newlines included
  const events = await docker('events', '--since', String(sinceUnixSeconds), '--until', String(until), '--filter', `container=${id}`, '--format', '{{json .}}');
  return events
    .split('\n')
    .filter(Boolean)
    .filter((line) => String((JSON.parse(line) as { Action?: string }).Action).startsWith('exec_create')).length;
}
