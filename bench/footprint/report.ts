import { fmt, printTable, spread, type Column } from '../lib/stats.js';
import type { Row } from './context.js';
import type { Options, Scenario } from './options.js';

type Figure = 'rssMaxMiB' | 'cpuUsPerLine' | 'cpuPctCore' | 'ratio';

interface Target {
  figure: Figure;
  /** The figure must be at most (or, with `least`, at least) this. */
  limit: number;
  least?: boolean;
  label: string;
}

const rss = (limit: number): Target => ({ figure: 'rssMaxMiB', limit, label: `RSS ≤${limit} MiB` });
const cpu = (limit: number): Target => ({ figure: 'cpuUsPerLine', limit, label: `≤${limit} µs/line` });

/** What a per-node agent should stay within, per scenario (on the medians). */
export const TARGETS: Record<Scenario, Target[]> = {
  idle: [{ figure: 'cpuPctCore', limit: 1, label: '≤1 % core' }],
  'live-file': [cpu(50)],
  'live-stdout': [cpu(50)],
  steady: [rss(128), cpu(40)],
  scale: [rss(160), cpu(50)],
  'catchup-file': [cpu(3)],
  'catchup-kafka': [{ figure: 'ratio', limit: 0.7, least: true, label: '≥0.7× kcat' }, cpu(8), rss(160)],
  'catchup-es': [cpu(10), rss(160)],
};

const REFERENCE: Partial<Record<Scenario, string>> = { 'catchup-file': 'docker logs -t', 'catchup-kafka': 'kcat -P', 'catchup-es': 'raw _bulk' };

function verdicts(r: Row): string {
  return TARGETS[r.scenario]
    .map((t) => {
      const v = r[t.figure];
      const state = typeof v !== 'number' || !Number.isFinite(v) ? '-' : (t.least ? v >= t.limit : v <= t.limit) ? 'ok' : 'OVER';
      return `${t.label} ${state}`;
    })
    .join(', ');
}

const cpuCell = (r: Row): string => (r.scenario === 'idle' ? `${fmt(r.cpuPctCore, 2)} % core` : `${fmt(r.cpuUsPerLine, 1)} µs/line`);

/** Prints the table (a median row per scenario, with the spread of its runs and its targets); returns the median rows. */
export function printReport(rows: readonly Row[], options: Options): Row[] {
  const spreadOf = (r: Row): string => {
    if (r.run !== 'median') return '';
    const runs = rows.filter((x) => x.scenario === r.scenario);
    if (runs.length < 2) return '';
    const pct = (values: unknown[]): string => fmt(spread(values).percent, 0);
    return `CPU ${pct(runs.map((x) => (x.scenario === 'idle' ? x.cpuPctCore : x.cpuUsPerLine)))} %, RSS ${pct(runs.map((x) => x.rssMaxMiB))} %`;
  };
  const columns: Column<Row>[] = [
    ['scenario', (r) => r.scenario],
    ['run', (r) => String(r.run)],
    ['lines', (r) => fmt(r.lines)],
    ['lines/s', (r) => fmt(r.linesPerSec)],
    ['CPU', cpuCell],
    ['RSS max MiB', (r) => fmt(r.rssMaxMiB, 1)],
    ['RSS mean MiB', (r) => fmt(r.rssMeanMiB, 1)],
    ['KiB/container', (r) => fmt(r.perContainerKiB, 1)],
    ['reference', (r) => (Number.isFinite(r.refPerSec) ? `${REFERENCE[r.scenario]} ${fmt(r.refPerSec)}/s` : '-')],
    ['ratio', (r) => fmt(r.ratio, 2)],
    ['missing', (r) => fmt(r.missing)],
    ['duplicates', (r) => fmt(r.duplicates)],
    ['spread', spreadOf],
    ['targets (medians)', (r) => (r.run === 'median' ? verdicts(r) : '')],
  ];
  const o = options;
  const summaries = printTable({
    title: `== footprint of a per-node agent: ${o.runs} run(s) per scenario; live ${o.duration} s; steady ${o.steady.containers}×${o.steady.rate}/s → kafka + elasticsearch; live-* ${o.live.containers}×${o.live.rate}/s; scale ${o.scale.containers}×${o.scale.rate}/s + ${o.scaleIdle} idle; idle ${o.idle} for ${o.idleSeconds} s; catch-up ${fmt(o.catchupLines)} lines ==`,
    columns,
    rows,
    groupBy: 'scenario',
    medianKeys: ['lines', 'linesPerSec', 'cpuUsPerLine', 'cpuPctCore', 'rssMaxMiB', 'rssMeanMiB', 'perContainerKiB', 'refPerSec', 'ratio', 'missing', 'duplicates'],
    leftColumns: 2,
  });
  process.stdout.write(
    [
      '',
      'CPU: the agent\'s user + system CPU ÷ lines shipped; live scenarios from the first container\'s start until every output held every line (the agent',
      'already running, attached and settled), catch-up ones from spawning it (start-up included); idle: share of one core over the window, once attached.',
      'RSS max: the process\'s peak (VmHWM); RSS mean: /proc sampled every 200 ms over the same window. KiB/container: (RSS mean − that of the same agent',
      'matching no container, run beside it) ÷ containers. ratio: logship lines/s ÷ the reference\'s (docker logs -t on the same log; kcat -P sending the',
      'values logship sent, gzip level 3, acks=all, idempotent; the raw _bulk loop posting the documents logship indexed, gzip level 3, 4 in flight).',
      'missing/duplicates: every line read back from every output (steady: kafka and elasticsearch both), checked per (container, number).',
      'spread: (max − min) ÷ median of the runs. Targets are reported, not enforced.',
      '',
    ].join('\n'),
  );
  return summaries;
}
