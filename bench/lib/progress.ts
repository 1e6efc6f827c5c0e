import { performance } from 'node:perf_hooks';
import { sleep } from './session.js';

export interface PollSpec {
  /** The count so far: lines in a file, messages in a topic; NaN when it cannot be read (the service went away). */
  read: () => number | Promise<number>;
  target: number;
  /** What is counted, for the messages: "lines", "messages". */
  unit: string;
  everyMs: number;
  stallMs: number;
  timeoutMs: number;
  /** performance.now() the timeout runs from; undefined while the clock has not started. */
  t0: () => number | undefined;
  /** The client exited: no more will come. */
  exited: () => boolean;
  /** Told every count, with performance.now() right after it was read. */
  seen?: (count: number, now: number) => void;
}

export interface PollEnd {
  /** The last count (NaN-free: the last one read). */
  count: number;
  /** performance.now() when the target was reached, else undefined. */
  reachedAt: number | undefined;
  /** Why it stopped short: the client exited, stalled or timed out. */
  error: string | undefined;
  /** read() returned NaN. */
  gone: boolean;
}

/**
 * Polls a count every `everyMs` until it reaches the target, or the client exits, the count stops
 * growing for `stallMs`, or `timeoutMs` passes: what every benchmark waits on.
 */
export async function pollUntil(spec: PollSpec): Promise<PollEnd> {
  let last = 0;
  let lastGrowth = performance.now();
  for (;;) {
    const count = await spec.read();
    const now = performance.now();
    if (Number.isNaN(count)) return { count: last, reachedAt: undefined, error: undefined, gone: true };
    spec.seen?.(count, now);
    if (count >= spec.target) return { count, reachedAt: now, error: undefined, gone: false };
    if (count !== last) {
      last = count;
      lastGrowth = now;
    }
    const t0 = spec.t0();
    const stop = (error: string): PollEnd => ({ count, reachedAt: undefined, error, gone: false });
    if (spec.exited()) return stop(`logship exited early with ${count} of ${spec.target} ${spec.unit}`);
    if (now - lastGrowth > spec.stallMs) return stop(`no new ${spec.unit} for ${spec.stallMs / 1000} s; stuck at ${count} of ${spec.target}`);
    if (t0 !== undefined && now - t0 > spec.timeoutMs) return stop(`timed out after ${spec.timeoutMs / 1000} s with ${count} of ${spec.target} ${spec.unit}`);
    await sleep(spec.everyMs);
  }
}
