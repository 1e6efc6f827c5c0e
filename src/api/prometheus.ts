import type { Metrics } from '../core/metrics.js';

/** The metrics in Prometheus text exposition format 0.0.4. */
export function prometheusText(metrics: Metrics): string {
  const byName = new Map<string, { kind: string; lines: string[] }>();
  for (const s of metrics.series()) {
    const name = `logship_${s.name}`;
    let entry = byName.get(name);
    if (!entry) byName.set(name, (entry = { kind: s.kind, lines: [] }));
    entry.lines.push(`logship_${s.key} ${Number.isFinite(s.value) ? s.value : 0}`);
  }
  let text = '';
  for (const [name, { kind, lines }] of [...byName].sort(([a], [b]) => a.localeCompare(b))) {
    text += `# TYPE ${name} ${kind}\n${lines.join('\n')}\n`;
  }
  return text;
}
