import { existsSync, readFileSync } from 'node:fs';
import { REPO_ROOT } from './paths.js';

/** Self time per function from a V8 .cpuprofile (node --cpu-prof), and inclusive time of logship's own functions. */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  samples: number[];
  timeDeltas?: number[];
}

export interface Ranked {
  name: string;
  ms: number;
  pct: number;
}

export interface ProfileSummary {
  path: string;
  totalMs: number;
  functions: Ranked[];
  areas: Ranked[];
  /** Per dist/ function: time with what it calls. */
  inclusive: Ranked[];
}

const shortUrl = (url: string): string => url.replace(`file://${REPO_ROOT}/`, '');
const label = (f: CallFrame): string => `${f.functionName || '(anonymous)'} ${shortUrl(f.url)}:${f.lineNumber + 1}`;

export function summarizeProfile(path: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
  const selfUs = new Map<number, number>();
  const deltas = profile.timeDeltas ?? [];
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const add = (map: Map<string, number>, key: string, us: number): void => void map.set(key, (map.get(key) ?? 0) + us);
  for (const [id, us] of selfUs) {
    const callFrame = (byId.get(id) as CpuProfile['nodes'][number]).callFrame;
    const url = shortUrl(callFrame.url);
    let fn = url ? label(callFrame) : callFrame.functionName || '(anonymous)';
    if (!url && !callFrame.functionName) {
      // an unnamed native frame (a builtin's C++ part): name it by the JS function that called it
      const parent = byId.get(parentOf.get(id) ?? -1)?.callFrame;
      if (parent) fn = `(native, called by ${label(parent)})`;
    }
    add(byFunction, fn, us);
    const parts = url.split('/');
    const area = !url ? callFrame.functionName || '(native)' : url.startsWith('dist/') ? url : url.startsWith('node_modules/') ? parts.slice(0, parts[1]?.startsWith('@') ? 3 : 2).join('/') : url;
    add(byArea, area, us);
    // inclusive: once per distinct dist/ function on the sample's stack
    const seenHere = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
      const frame = (byId.get(at) as CpuProfile['nodes'][number]).callFrame;
      if (!shortUrl(frame.url).startsWith('dist/')) continue;
      const key = label(frame);
      if (seenHere.has(key)) continue;
      seenHere.add(key);
      add(inclusive, key, us);
    }
  }
  const rank = (map: Map<string, number>, n = top): Ranked[] => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / total }));
  return { path, totalMs: total / 1000, functions: rank(byFunction), areas: rank(byArea), inclusive: rank(inclusive, 25) };
}

/**
 * Prints the top self-time functions and files of each result's profile (`title` names the
 * result); with `oncePer`, only the first profile per value of it; `inclusive` adds logship's
 * own functions with what they call. Returns the summaries for the JSON.
 */
export function printProfiles<R extends { run: number | string; profile?: string | undefined }>(
  results: readonly R[],
  spec: { title: (r: R) => string; top?: number; areas?: number; inclusive?: boolean; oncePer?: (r: R) => string },
): (ProfileSummary & { run: number | string; of: string })[] {
  const summaries: (ProfileSummary & { run: number | string; of: string })[] = [];
  const printed = new Set<string>();
  const rows = (list: Ranked[]): string => list.map((f) => `  ${f.pct.toFixed(1).padStart(5)} %  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}\n`).join('');
  for (const r of results) {
    if (!r.profile) continue;
    if (!existsSync(r.profile)) {
      process.stdout.write(`\nrun ${r.run} ${spec.title(r)}: no profile written at ${r.profile}\n`);
      continue;
    }
    const s = summarizeProfile(r.profile, spec.top);
    summaries.push({ run: r.run, of: spec.title(r), ...s });
    const once = spec.oncePer?.(r);
    if (once !== undefined) {
      if (printed.has(once)) continue;
      printed.add(once);
    }
    process.stdout.write(`\nCPU profile, run ${r.run} ${spec.title(r)} (${(s.totalMs / 1000).toFixed(1)} s sampled, ${r.profile})\n  top self time by function:\n${rows(s.functions)}`);
    process.stdout.write(`  by file / package:\n${rows(s.areas.slice(0, spec.areas ?? 12))}`);
    if (spec.inclusive) process.stdout.write(`  inclusive time of logship's functions (dist/):\n${rows(s.inclusive.slice(0, 15))}`);
  }
  return summaries;
}
