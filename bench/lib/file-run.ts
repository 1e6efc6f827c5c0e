import { checkSequence, fileLines, LineCounter, type SequenceCheck } from './output.js';
import { ProcessSampler, procCpuSeconds, procStatusKiB } from './proc.js';
import { pollUntil } from './progress.js';
import type { Shipper } from './shipper.js';

/** What shipIntoFile measures of one shipper run into a file output. */
export interface FileShipResult extends Partial<SequenceCheck> {
  errors: string[];
  firstLineSeconds?: number;
  shipperSeconds?: number;
  shipperLinesPerSec?: number;
  /** Lines/s from the first line to the last: start-up left out. */
  firstToLastLinesPerSec?: number;
  peakRssMiB?: number;
  cpuSeconds?: number;
  shipperProblems?: string[];
  shipperMetrics?: Record<string, number> | undefined;
}

/**
 * Polls a file output until it holds `lines` lines (or the shipper stalls, dies or times out),
 * then records peak RSS and CPU, stops the shipper with SIGTERM, reads its log and checks the
 * numbered lines (sequenceScript) in the output. `t0` is read through a function: it may be set
 * once the shipper already runs (when the writer starts). Returns when the last line was seen:
 * performance.now() and the wall clock.
 */
export async function shipIntoFile(
  shipper: Shipper,
  out: string,
  result: FileShipResult,
  spec: { lines: number; t0: () => number | undefined; timeoutMs: number; everyMs?: number; stallMs?: number; fieldsOk: (record: Record<string, unknown>) => boolean },
): Promise<{ reachedAt: number | undefined; reachedAtWall: number | undefined }> {
  const everyMs = spec.everyMs ?? 100;
  const counter = new LineCounter(out, true);
  const sampler = new ProcessSampler(shipper.pid, everyMs);
  let firstAt: number | undefined;
  let reachedAtWall: number | undefined;
  let reachedAt: number | undefined;
  try {
    const end = await pollUntil({
      read: () => counter.count(),
      target: spec.lines,
      unit: 'lines',
      everyMs,
      stallMs: spec.stallMs ?? 20_000,
      timeoutMs: spec.timeoutMs,
      t0: spec.t0,
      exited: () => shipper.isDone(),
      seen: (count, now) => {
        if (count === 0 || firstAt !== undefined) return;
        firstAt = now;
        const t0 = spec.t0();
        if (t0 !== undefined) result.firstLineSeconds = (now - t0) / 1000;
      },
    });
    if (end.error) result.errors.push(end.error);
    reachedAt = end.reachedAt;
    if (reachedAt !== undefined) {
      reachedAtWall = Date.now();
      result.shipperSeconds = (reachedAt - (spec.t0() ?? NaN)) / 1000;
      result.shipperLinesPerSec = spec.lines / result.shipperSeconds;
      if (firstAt !== undefined && reachedAt > firstAt) result.firstToLastLinesPerSec = spec.lines / ((reachedAt - firstAt) / 1000);
    }
  } finally {
    sampler.stop();
    counter.close();
  }
  result.peakRssMiB = Math.max(procStatusKiB(shipper.pid, 'VmHWM') || 0, (sampler.usage().peakRssMiB || 0) * 1024) / 1024 || NaN;
  result.cpuSeconds = procCpuSeconds(shipper.pid);
  const exit = await shipper.stopWithin();
  if (exit.code !== 0) result.errors.push(`logship exited with ${exit.code ?? exit.signal} after SIGTERM`);
  const shipperLog = shipper.log();
  result.shipperProblems = shipperLog.problems;
  result.shipperMetrics = shipperLog.metrics;
  Object.assign(result, await checkSequence(fileLines(out), spec.lines, spec.fieldsOk));
  return { reachedAt, reachedAtWall };
}
