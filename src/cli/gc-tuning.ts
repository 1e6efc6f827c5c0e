import { setFlagsFromString } from 'node:v8';

/**
 * V8's garbage-collection heuristics for a long-running agent, set by `logship run` itself so that
 * a user who runs it (or the image) gets them without Node flags. V8's defaults suit a server with
 * memory to spare: the young generation grows to 3 × 16 MiB and the old one to several times
 * what is live before it is collected; a per-node agent pays that on every node
 * (bench/footprint/README.md has the figures). Both flags are read by V8 each time it sizes a
 * space, so they take effect when set at run time (the heap caps are not: they are fixed at start).
 */
export const GC_FLAGS = [
  // the young generation stays at its initial size: garbage is collected young, and often
  '--semi-space-growth-factor=1',
  // the old generation may grow 30 % past what survived the last full collection (V8: 1.1–4×)
  '--heap-growing-percent=30',
] as const;

/**
 * Sets each flag the user did not set (in NODE_OPTIONS or on node's command line); returns those
 * it set. LOGSHIP_GC=node-defaults leaves V8 as it is.
 */
export function tuneGarbageCollection(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '', env = process.env): string[] {
  if (env.LOGSHIP_GC === 'node-defaults') return [];
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].map((flag) => flag.replace(/=.*/, '').replace(/_/g, '-'));
  const applied = GC_FLAGS.filter((flag) => !given.includes(flag.replace(/=.*/, '')));
  for (const flag of applied) setFlagsFromString(flag);
  return applied;
}
