import { performance } from 'node:perf_hooks';
import { containerLogPath, countDockerLogLines, dockerSync, runContainers, type ContainerSpec } from '../lib/docker.js';
import { LineCounter } from '../lib/output.js';
import { log, sleep } from '../lib/session.js';
import type { Context } from './context.js';
import { IDLE_COMMAND, producerCommand } from './lines.js';

export const DEBIAN = 'logship-test/debian:1';
export const BUSYBOX = 'logship-test/busybox:1';

/** The label a scenario run's containers carry, and its agent reads (`key=value`). */
export function groupLabel(ctx: Context, tag: string): string {
  return `logship.bench.footprint=${ctx.prefix}-${tag}`;
}

/** `n` containers printing nothing (busybox sleep). */
export function idleContainers(ctx: Context, tag: string, n: number): ContainerSpec[] {
  return Array.from({ length: n }, (_, i) => ({ name: `${ctx.prefix}-${tag}-idle${i}`, labels: [ctx.runLabel, groupLabel(ctx, tag)], image: BUSYBOX, command: IDLE_COMMAND }));
}

/** `n` containers, c = 0 … n-1, each printing `perContainer` lines at `rate` lines/s (0: at once), then sleeping. */
export function producerContainers(ctx: Context, tag: string, n: number, rate: number, perContainer: number): ContainerSpec[] {
  return Array.from({ length: n }, (_, c) => ({ name: `${ctx.prefix}-${tag}-c${c}`, labels: [ctx.runLabel, groupLabel(ctx, tag)], image: DEBIAN, command: producerCommand(c, rate, perContainer) }));
}

/**
 * Starts one container that prints `lines` lines as fast as it can, and waits until its json-file
 * log holds them all: the catch-up scenarios' log, finished before any shipper starts. It stays
 * running (asleep): a shipper's first start does not read containers that had exited before.
 */
export async function startFinishedLog(ctx: Context, tag: string, lines: number, timeoutMs: number): Promise<{ name: string; id: string }> {
  const [spec] = producerContainers(ctx, tag, 1, 0, lines) as [ContainerSpec];
  const t0 = performance.now();
  await runContainers(ctx.session, [spec]);
  let count: () => Promise<number>;
  try {
    const counter = new LineCounter(containerLogPath(spec.name));
    count = () => Promise.resolve(counter.count());
    await count();
  } catch {
    // the log file is not readable here: ask Docker (slower)
    count = () => countDockerLogLines(spec.name);
  }
  for (let n = await count(); n < lines; n = await count()) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`the catch-up container logged ${n} of ${lines} lines in ${timeoutMs / 1000} s`);
    await sleep(250);
  }
  log(`catch-up container ${spec.name}: ${lines} lines logged in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { name: spec.name, id: dockerSync(['inspect', '--format', '{{.Id}}', spec.name]) };
}
