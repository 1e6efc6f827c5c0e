/**
 * Counters and gauges by name and labels. Kept dependency-free here; the HTTP API renders them
 * in Prometheus format.
 */
export interface Counter {
  inc(by?: number): void;
}

export class Metrics {
  private readonly counters = new Map<string, { value: number }>();
  private readonly gauges = new Map<string, () => number>();

  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    this.cell(metricKey(name, labels)).value += by;
  }

  /** A handle for counters bumped per record: no key is built on the hot path. */
  counter(name: string, labels: Record<string, string> = {}): Counter {
    const cell = this.cell(metricKey(name, labels));
    return {
      inc(by = 1) {
        cell.value += by;
      },
    };
  }

  private cell(key: string): { value: number } {
    let cell = this.counters.get(key);
    if (!cell) {
      cell = { value: 0 };
      this.counters.set(key, cell);
    }
    return cell;
  }

  gauge(name: string, labels: Record<string, string>, read: () => number): void {
    this.gauges.set(metricKey(name, labels), read);
  }

  /** Drops every gauge carrying this label value (a plugin removed by a reload); counters stay, as Prometheus expects. */
  removeGauges(label: string, value: string): void {
    const needle = metricKey('', { [label]: value }).slice(1, -1);
    for (const key of [...this.gauges.keys()]) {
      const labels = key.slice(key.indexOf('{') + 1, -1).split(',');
      if (key.includes('{') && labels.includes(needle)) this.gauges.delete(key);
    }
  }

  get(name: string, labels: Record<string, string> = {}): number {
    const key = metricKey(name, labels);
    return this.counters.get(key)?.value ?? this.gauges.get(key)?.() ?? 0;
  }

  /** Every series with its kind, for the Prometheus exposition. */
  series(): Array<{ key: string; name: string; kind: 'counter' | 'gauge'; value: number }> {
    const out: Array<{ key: string; name: string; kind: 'counter' | 'gauge'; value: number }> = [];
    for (const [key, cell] of this.counters) out.push({ key, name: nameOf(key), kind: 'counter', value: cell.value });
    for (const [key, read] of this.gauges) out.push({ key, name: nameOf(key), kind: 'gauge', value: read() });
    return out;
  }

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, cell] of this.counters) out[key] = cell.value;
    for (const [key, read] of this.gauges) out[key] = read();
    return out;
  }
}

function nameOf(key: string): string {
  const brace = key.indexOf('{');
  return brace < 0 ? key : key.slice(0, brace);
}

function metricKey(name: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}
