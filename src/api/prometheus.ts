import { metricInfo } from '../core/metric-names.js';
import type { Metrics } from '../core/metrics.js';

/** The metrics in Prometheus text exposition format 0.0.4, each with the HELP line of its catalogue entry. */
export function prometheusText(metrics: Metrics): string {
  const byName = new Map<string, { kind: string; help: string | undefined; lines: string[] }>();
  for (const s of metrics.series()) {
    const name = `logship_${s.name}`;
    let entry = byName.get(name);
    if (!entry) byName.set(name, (entry = { kind: s.kind, help: metricInfo(s.name)?.help, lines: [] }));
    entry.lines.push(`logship_${s.key} ${Number.isFinite(s.value) ? s.value : 0}`);
  }
  let text = '';
  for (const [name, { kind, help, lines }] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    if (help !== undefined) text += `# HELP ${name} ${helpText(help)}\n`;
    text += `# TYPE ${name} ${kind}\n${lines.join('\n')}\n`;
  }
  return text;
}

/** The catalogue's help as a HELP line: Markdown backticks dropped, backslashes and line breaks escaped as the format asks. */
function helpText(help: string): string {
  return help.replace(/`/g, '').replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
