/** Medians, number formatting and the benchmarks' result tables. */

/** The median of the finite numbers among `values` (others are skipped); NaN when there is none. */
export function median(values: readonly unknown[]): number {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/** Smallest and largest finite value, and (max - min) / median in per cent: how noisy the runs were. */
export function spread(values: readonly unknown[]): { min: number; max: number; percent: number } {
  const v = values.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (v.length === 0) return { min: NaN, max: NaN, percent: NaN };
  const min = Math.min(...v);
  const max = Math.max(...v);
  return { min, max, percent: (100 * (max - min)) / median(v) };
}

/** A number with thousands separators (digits = 0) or fixed decimals; '-' for anything not a finite number. */
export function fmt(value: unknown, digits = 0): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return '-';
  return digits === 0 ? Math.round(value).toLocaleString('en-US') : value.toFixed(digits);
}

export type Column<R> = readonly [title: string, cell: (row: R) => string];

export interface TableSpec<R> {
  columns: readonly Column<R>[];
  rows: readonly R[];
  /** Fields whose median is taken per group (or over all rows). */
  medianKeys: readonly (keyof R & string)[];
  /** One median row per value of this field, in `groupOrder` (default: order of appearance). */
  groupBy?: keyof R & string;
  groupOrder?: readonly string[];
  /** Rows are sorted by group, then run; a group not in the order goes last. */
  /** How many leading columns are left-aligned (the others are right-aligned); default 2. */
  leftColumns?: number;
  /** Printed on a line of its own before the table. */
  title?: string;
}

/**
 * Prints rows, a rule, then one median row per group (run = "median"), as every benchmark does;
 * returns the median rows.
 */
export function printTable<R extends { run: number | string }>(spec: TableSpec<R>, write: (text: string) => void = (t) => process.stdout.write(t)): R[] {
  const key = spec.groupBy;
  const groupOf = (r: R): string => (key === undefined ? '' : String(r[key] ?? ''));
  const seen = [...new Set(spec.rows.map(groupOf))];
  const groups = spec.groupOrder ? [...spec.groupOrder.filter((g) => seen.includes(g)), ...seen.filter((g) => !spec.groupOrder?.includes(g))] : seen;
  const summaries = groups.map((g) => {
    const rows = spec.rows.filter((r) => groupOf(r) === g);
    const summary: Record<string, unknown> = { run: 'median' };
    if (key !== undefined) summary[key] = g;
    for (const k of spec.medianKeys) summary[k] = median(rows.map((r) => r[k]));
    return summary as R;
  });
  const runNumber = (r: R): number => (typeof r.run === 'number' ? r.run : Number.POSITIVE_INFINITY);
  const body = [...spec.rows].sort((a, b) => groups.indexOf(groupOf(a)) - groups.indexOf(groupOf(b)) || runNumber(a) - runNumber(b));
  const cells = (r: R): string[] => spec.columns.map(([, cell]) => cell(r));
  const all = [...body, ...summaries].map(cells);
  const widths = spec.columns.map(([title], i) => Math.max(title.length, ...all.map((row) => (row[i] ?? '').length)));
  const left = spec.leftColumns ?? 2;
  const line = (row: string[]): string => row.map((c, i) => (i < left ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  const out = [line(spec.columns.map(([title]) => title)), rule, ...body.map((r) => line(cells(r))), rule, ...summaries.map((r) => line(cells(r)))];
  write(`${spec.title === undefined ? '' : `\n${spec.title}`}\n${out.join('\n')}\n`);
  return summaries;
}
