import { errorCatalogue } from '../core/error-codes.js';
import { METRICS, type MetricInfo } from '../core/metric-names.js';
import { spliceBlock } from './plugin-docs.js';

export const METRICS_START = '<!-- metrics:start (generated from src/core/metric-names.ts by scripts/update-docs.mjs) -->';
export const METRICS_END = '<!-- metrics:end -->';
export const ERRORS_START = '<!-- errors:start (generated from src/core/error-codes.ts by scripts/update-docs.mjs) -->';
export const ERRORS_END = '<!-- errors:end -->';

/** The pages generated from the catalogues, relative to the repository root. */
export const METRICS_PAGE = 'docs/api.md';
export const ERRORS_PAGE = 'docs/errors.md';

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** The metrics table of docs/api.md: one row per metric, or per run of adjacent metrics sharing a row. */
export function metricsMarkdown(): string {
  const groups: MetricInfo[][] = [];
  for (const metric of Object.values(METRICS) as MetricInfo[]) {
    const last = groups.at(-1);
    if (metric.row && last?.[0]?.row === metric.row) last.push(metric);
    else groups.push([metric]);
  }
  const rows = ['| metric | kind | what |', '| --- | --- | --- |'];
  for (const group of groups) {
    const names = group.map((m) => `\`${m.name}${m.labels.length ? `{${m.labels.join(',')}}` : ''}\``).join(', ');
    const kinds = group.map((m) => m.type);
    const kind = kinds.every((k) => k === kinds[0]) ? kinds[0] : kinds.join(', ');
    const first = group[0] as MetricInfo;
    rows.push(`| ${names} | ${kind} | ${cell(first.row?.what ?? first.help)} |`);
  }
  return rows.join('\n');
}

/** The table of docs/errors.md: every error code, then every family of codes built at run time. */
export function errorsMarkdown(): string {
  const rows = ['| code | meaning | retriable | shows in |', '| --- | --- | --- | --- |'];
  for (const e of errorCatalogue()) rows.push(`| \`${e.code}\` | ${cell(e.meaning)} | ${e.retriable ? 'yes' : 'no'} | ${e.shows.join(', ')} |`);
  return rows.join('\n');
}

/** The pages with their generated blocks brought up to date with the catalogues. */
export function catalogueDocs(read: (page: string) => string): Array<{ page: string; text: string; updated: string }> {
  return [
    { page: METRICS_PAGE, start: METRICS_START, end: METRICS_END, body: metricsMarkdown() },
    { page: ERRORS_PAGE, start: ERRORS_START, end: ERRORS_END, body: errorsMarkdown() },
  ].map(({ page, start, end, body }) => {
    const text = read(page);
    return { page, text, updated: spliceBlock(text, start, end, body) };
  });
}
