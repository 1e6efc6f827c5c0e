import { performance } from 'node:perf_hooks';
import { ProcessSampler, procCpuSeconds } from '../lib/proc.js';
import { pollUntil } from '../lib/progress.js';
import { log, sleep } from '../lib/session.js';
import { imageEnv, Shipper } from '../lib/shipper.js';
import type { Context, Row } from './context.js';
import { leastCount, type Sink } from './sinks.js';

const SAMPLE_MS = 200;

/**
 * A per-node agent as deployed: no Node flags, the image's environment, the API on (a free port:
 * another logship may hold 2020), docker_logs in its default mode reading the containers labelled
 * `label`, and `sinks` as outputs.
 */
export function startAgent(ctx: Context, tag: string, label: string, sinks: readonly Sink[]): Shipper {
  const stdoutFile = sinks.find((s) => s.stdoutFile)?.stdoutFile;
  const profile = ctx.options.cpuProf ? { cpuProf: { dir: ctx.options.cpuProf, name: `footprint-${ctx.prefix}-${tag}.cpuprofile` } } : {};
  return Shipper.start({
    dir: ctx.tmp,
    tag,
    session: ctx.session,
    env: imageEnv(),
    ...profile,
    ...(stdoutFile ? { stdoutFile } : {}),
    pipeline: ['api:', '  address: 127.0.0.1:0', 'inputs:', '  - type: docker_logs', '    include:', `      labels: [${JSON.stringify(label)}]`, 'outputs:', ...sinks.flatMap((s) => s.output)],
  });
}

/** Containers the agent follows, from its /metrics (docker_logs_containers_followed); NaN before its API answers. */
async function followed(shipper: Shipper): Promise<number> {
  const api = /api listening on (http:\/\/\S+)/.exec(shipper.stderr)?.[1];
  if (!api) return NaN;
  try {
    const text = await (await fetch(`${api}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    let sum = 0;
    for (const m of text.matchAll(/^(?:logship_)?docker_logs_containers_followed(?:\{[^}]*\})? (\d+)/gm)) sum += Number(m[1]);
    return sum;
  } catch {
    return NaN;
  }
}

/**
 * Waits until the agent follows `containers` containers, then `settleMs` more (attaching costs
 * what a steady state does not); notes it when that took longer than `timeoutMs`.
 */
export async function waitAttached(shipper: Shipper, containers: number, settleMs: number, row: Row, who = 'logship', timeoutMs = 120_000): Promise<void> {
  await shipper.ready({ settleMs: 0, timeoutMs: 30_000 });
  const t0 = performance.now();
  let seen = NaN;
  while (!(seen >= containers)) {
    if (shipper.isDone()) throw new Error(`logship exited while attaching to the containers:\n${shipper.stderr.slice(-2000)}`);
    if (performance.now() - t0 > timeoutMs) {
      row.notes.push(`${who} followed ${seen} of ${containers} containers after ${timeoutMs / 1000} s; measured anyway`);
      break;
    }
    await sleep(250);
    seen = await followed(shipper);
  }
  log(`${row.scenario} run ${row.run}: ${who} follows ${seen} containers after ${((performance.now() - t0) / 1000).toFixed(1)} s; settling ${settleMs / 1000} s`);
  await sleep(settleMs);
}

export interface Used {
  seconds: number;
  cpuSeconds: number;
  rssMaxMiB: number;
  rssMeanMiB: number;
}

/** CPU and memory of a process from now on: /proc sampled every 200 ms. */
export class Window {
  private readonly t0 = performance.now();
  private readonly cpu0: number;
  private readonly sampler: ProcessSampler;

  constructor(readonly pid: number) {
    this.cpu0 = procCpuSeconds(pid);
    this.sampler = new ProcessSampler(pid, SAMPLE_MS);
  }

  get startedAt(): number {
    return this.t0;
  }

  /** `sinceSpawn`: CPU since the process started, not since the window opened (end to end). */
  end(sinceSpawn = false): Used {
    const usage = this.sampler.stop();
    return { seconds: (performance.now() - this.t0) / 1000, cpuSeconds: usage.cpuSeconds - (sinceSpawn ? 0 : this.cpu0), rssMaxMiB: usage.peakRssMiB, rssMeanMiB: usage.meanRssMiB };
  }
}

/**
 * Polls the sinks until each holds `lines` records (or the agent stalls, exits or times out), then
 * closes the window and puts its figures in the row: time, lines/s, CPU per line, RSS.
 */
export async function measureUntilDelivered(agent: Shipper, window: Window, sinks: readonly Sink[], row: Row, spec: { lines: number; everyMs: number; timeoutMs: number; sinceSpawn: boolean }): Promise<void> {
  const end = await pollUntil({
    read: () => leastCount(sinks),
    target: spec.lines,
    unit: 'lines',
    everyMs: spec.everyMs,
    stallMs: 30_000,
    timeoutMs: spec.timeoutMs,
    t0: () => window.startedAt,
    exited: () => agent.isDone(),
  });
  const used = window.end(spec.sinceSpawn);
  if (end.error) row.errors.push(end.error);
  if (end.gone) row.errors.push(`an output's service did not answer at ${end.count} of ${spec.lines} lines`);
  if (end.reachedAt !== undefined) {
    row.seconds = used.seconds;
    row.linesPerSec = spec.lines / used.seconds;
    row.cpuSeconds = used.cpuSeconds;
    row.cpuUsPerLine = (used.cpuSeconds * 1e6) / spec.lines;
  }
  row.rssMaxMiB = used.rssMaxMiB;
  row.rssMeanMiB = used.rssMeanMiB;
}

/** SIGTERM; what it logged at warn or above goes into the row's notes, a bad exit into its errors. */
export async function stopAgent(shipper: Shipper, row: Row, what = 'logship'): Promise<void> {
  const exit = await shipper.stopWithin();
  if (exit.code !== 0) row.errors.push(`${what} exited with ${exit.code ?? exit.signal} after SIGTERM`);
  const shipperLog = shipper.log();
  for (const p of shipperLog.problems) row.notes.push(`${what} said: ${p}`);
  if (what === 'logship' && shipperLog.metrics) row.shipperMetrics = shipperLog.metrics;
  if (what === 'logship' && shipper.profile) row.profile = shipper.profile;
}
