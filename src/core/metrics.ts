/**
 * Counters and gauges by name and labels. Kept dependency-free here; the HTTP API renders them
 * in Prometheus format.
 */
export class Metrics {
  private readonly counters = new Map<string, number>();
  private readonly gauges = new Map<string, () => number>();

  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    const key = metricKey(name, labels);
    this.counters.set(key, (this.counters.get(key) ?? 0) + by);
  }

  gauge(name: string, labels: Record<string, string>, read: () => number): void {
    this.gauges.set(metricKey(name, labels), read);
  }

  get(name: string, labels: Record<string, string> = {}): number {
    const key = metricKey(name, labels);
    return this.counters.get(key) ?? this.gauges.get(key)?.() ?? 0;
  }

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, value] of this.counters) out[key] = value;
    for (const [key, read] of this.gauges) out[key] = read();
    return out;
  }
}

function metricKey(name: string, labels: Record<string, string>): string {
  const parts = Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]}"`);
  return parts.length ? `${name}{${parts.join(',')}}` : name;
}
