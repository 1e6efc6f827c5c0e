import { readFileSync } from 'node:fs';

/** Peak resident set size of a live process, in MiB (VmHWM from /proc). */
export function peakRssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]);
  if (!Number.isFinite(kib)) throw new Error(`no VmHWM for process ${pid}`);
  return kib / 1024;
}
