import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Readings of a process from /proc: CPU seconds and memory. Every reading of a process that is gone is NaN. */

let ticks: number | undefined;
function clockTicks(): number {
  if (ticks === undefined) {
    try {
      ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticks = 100;
    }
  }
  return ticks;
}

/** A `kB` field of /proc/PID/status (VmRSS, VmHWM, …) in KiB. */
export function procStatusKiB(pid: number, field: string): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** utime + stime of a live process in seconds; with `children`, also that of the children it waited for. */
export function procCpuSeconds(pid: number, options: { children?: boolean } = {}): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
    const own = (f[11] ?? NaN) + (f[12] ?? NaN);
    return (options.children ? own + (f[13] ?? NaN) + (f[14] ?? NaN) : own) / clockTicks();
  } catch {
    return NaN;
  }
}

/** Peak resident set size of a live process, in MiB (VmHWM); throws when it cannot be read. */
export function peakRssMiB(pid: number): number {
  const kib = procStatusKiB(pid, 'VmHWM');
  if (!Number.isFinite(kib)) throw new Error(`no VmHWM for process ${pid}`);
  return kib / 1024;
}

export interface Usage {
  peakRssMiB: number;
  cpuSeconds: number;
  /** Mean of the VmRSS samples (the memory it holds most of the time, not its worst moment). */
  meanRssMiB: number;
  /** The peak of VmRSS over the samples only (VmHWM counts since the process started). */
  sampledPeakRssMiB: number;
}

/**
 * Samples a process every `everyMs`: the peak of VmHWM and VmRSS, the mean of VmRSS, and the last
 * CPU time. The last readings stay after the process exited (one whose input is finished may
 * exit before the end is seen).
 */
export class ProcessSampler {
  private peakKiB = 0;
  private sampledPeakKiB = 0;
  private rssSumKiB = 0;
  private rssSamples = 0;
  private cpu = NaN;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    everyMs = 100,
  ) {
    this.take();
    this.timer = setInterval(() => this.take(), everyMs);
  }

  private take(): void {
    const rss = procStatusKiB(this.pid, 'VmRSS');
    if (Number.isFinite(rss)) {
      this.rssSumKiB += rss;
      this.rssSamples += 1;
      if (rss > this.sampledPeakKiB) this.sampledPeakKiB = rss;
    }
    const peak = Math.max(procStatusKiB(this.pid, 'VmHWM') || 0, rss || 0);
    if (peak > this.peakKiB) this.peakKiB = peak;
    const cpu = procCpuSeconds(this.pid);
    if (Number.isFinite(cpu)) this.cpu = cpu;
  }

  /** The readings so far, without stopping. */
  usage(): Usage {
    return { peakRssMiB: this.peakKiB / 1024 || NaN, cpuSeconds: this.cpu, meanRssMiB: this.rssSumKiB / this.rssSamples / 1024, sampledPeakRssMiB: this.sampledPeakKiB / 1024 || NaN };
  }

  stop(): Usage {
    this.take();
    clearInterval(this.timer);
    return this.usage();
  }
}
