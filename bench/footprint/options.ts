import { resolve } from 'node:path';
import { parseOptions, positiveInt } from '../lib/session.js';

export const SCENARIOS = ['idle', 'live-file', 'live-stdout', 'steady', 'scale', 'catchup-file', 'catchup-kafka', 'catchup-es'] as const;
export type Scenario = (typeof SCENARIOS)[number];

const USAGE = `Usage: node bench/footprint/run.mjs [options]
  --only LIST              scenarios, comma-separated (default all, in this order):
                           ${SCENARIOS.join(',')}
  --runs N                 runs of each scenario (default $BENCH_RUNS, else 3)
  --duration S             how long the live containers print (steady, live-*, scale; default 60)
  --steady C:R             steady: C containers × R lines/s → kafka + elasticsearch (default 20:200)
  --live C:R               live-file, live-stdout: C containers × R lines/s (default 20:200)
  --scale C:R              scale: C containers × R lines/s … (default 200:10)
  --scale-idle N           … plus N idle containers (default 200)
  --idle N                 idle: N idle containers (default 200)
  --idle-seconds S         idle: CPU measured over S seconds once attached (default 30)
  --settle S               wait S seconds after the shipper attached to every container (default 10)
  --catchup-lines N        catchup-*: lines of the finished container (default 500000)
  --ref-reps N             catchup-file: timed \`docker logs -t\` reads per run (default 1)
  --timeout S              give up on a run S seconds after its lines should all be in (default 180)
  --brokers LIST           Kafka (default 127.0.0.1:9092)
  --es-url URL             Elasticsearch (default http://127.0.0.1:9200)
  --cpu-prof DIR           run each shipper under \`node --cpu-prof\` (adds Node flags and a little
                           CPU), keep the profiles in DIR, print each scenario's top functions
  --json FILE              also write the results as JSON to FILE
  --keep                   keep the temporary directory, the topics and the indices
Exit status: 0 every line exactly once; 1 lines missing/duplicated or a run failed; 2 setup problem.
Speed and memory never change it: the targets are printed, not enforced.`;

export interface Rate {
  containers: number;
  rate: number;
}

export interface Options {
  scenarios: Scenario[];
  runs: number;
  duration: number;
  steady: Rate;
  live: Rate;
  scale: Rate;
  scaleIdle: number;
  idle: number;
  idleSeconds: number;
  settleMs: number;
  catchupLines: number;
  refReps: number;
  timeoutMs: number;
  brokers: string[];
  esUrl: string;
  cpuProf: string | undefined;
  json: string | undefined;
  keep: boolean;
}

function rate(text: string, name: string): Rate {
  const m = /^(\d+):(\d+)$/.exec(text);
  if (!m) throw new Error(`${name} takes CONTAINERS:LINES_PER_SECOND, e.g. 20:200`);
  return { containers: positiveInt(m[1], `${name} containers`, 1000), rate: positiveInt(m[2], `${name} lines/s`, 100_000) };
}

export function readOptions(): Options {
  return parseOptions(
    USAGE,
    {
      only: { type: 'string', default: SCENARIOS.join(',') },
      runs: { type: 'string', default: process.env.BENCH_RUNS || '3' },
      duration: { type: 'string', default: '60' },
      steady: { type: 'string', default: '20:200' },
      live: { type: 'string', default: '20:200' },
      scale: { type: 'string', default: '200:10' },
      'scale-idle': { type: 'string', default: '200' },
      idle: { type: 'string', default: '200' },
      'idle-seconds': { type: 'string', default: '30' },
      settle: { type: 'string', default: '10' },
      'catchup-lines': { type: 'string', default: '500000' },
      'ref-reps': { type: 'string', default: '1' },
      timeout: { type: 'string', default: '180' },
      brokers: { type: 'string', default: '127.0.0.1:9092' },
      'es-url': { type: 'string', default: 'http://127.0.0.1:9200' },
      'cpu-prof': { type: 'string' },
      json: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
    (v) => {
      const only = (v.only as string).split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of only) if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario ${s} (one of ${SCENARIOS.join(', ')})`);
      if (only.length === 0) throw new Error('--only names no scenario');
      const url = new URL(v['es-url'] as string);
      if (url.protocol !== 'http:') throw new Error('--es-url: http:// only (security off, as scripts/elasticsearch-up.sh starts it)');
      return {
        scenarios: SCENARIOS.filter((s) => only.includes(s)),
        runs: positiveInt(v.runs as string, '--runs (or $BENCH_RUNS)'),
        duration: positiveInt(v.duration as string, '--duration', 3600),
        steady: rate(v.steady as string, '--steady'),
        live: rate(v.live as string, '--live'),
        scale: rate(v.scale as string, '--scale'),
        scaleIdle: Number(v['scale-idle']) === 0 ? 0 : positiveInt(v['scale-idle'] as string, '--scale-idle', 2000),
        idle: positiveInt(v.idle as string, '--idle', 2000),
        idleSeconds: positiveInt(v['idle-seconds'] as string, '--idle-seconds', 3600),
        settleMs: Number(v.settle) === 0 ? 0 : positiveInt(v.settle as string, '--settle', 600) * 1000,
        catchupLines: positiveInt(v['catchup-lines'] as string, '--catchup-lines', 9_999_999),
        refReps: positiveInt(v['ref-reps'] as string, '--ref-reps'),
        timeoutMs: positiveInt(v.timeout as string, '--timeout') * 1000,
        brokers: (v.brokers as string).split(',').map((b) => b.trim()).filter(Boolean),
        esUrl: url.origin,
        cpuProf: typeof v['cpu-prof'] === 'string' ? resolve(v['cpu-prof']) : undefined,
        json: v.json as string | undefined,
        keep: v.keep === true,
      };
    },
  );
}
