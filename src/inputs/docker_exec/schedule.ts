/**
 * When the next run of an interval command starts: the first slot (start + k × interval) at or
 * after the end of the current run, so runs never overlap; slots passed while it ran are skipped.
 */
export function nextRunAt(startedAt: number, endedAt: number, intervalMs: number): { at: number; skipped: number } {
  const slots = Math.max(1, Math.ceil((endedAt - startedAt) / intervalMs));
  return { at: startedAt + slots * intervalMs, skipped: slots - 1 };
}

/** After a shipper restart: keep the rhythm of the last run instead of running at once again. */
export function firstRunAt(lastStartedAt: number | undefined, now: number, intervalMs: number): number {
  if (lastStartedAt === undefined || lastStartedAt > now) return now;
  return Math.max(now, lastStartedAt + intervalMs);
}
