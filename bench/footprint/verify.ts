import { lineKey, lineText } from './lines.js';

/** What arrived of the containers' lines, in one output. */
export interface Delivery {
  records: number;
  missing: number;
  duplicates: number;
  /** Records that are no line of the benchmark's containers. */
  foreign: number;
  /** Records of a known (c, n) whose message is not that line, byte for byte. */
  altered: number;
}

/** Exactly once per (c, n): c in [0, containers), n in [1, perContainer]. */
export class ExactlyOnce {
  private readonly seen: Uint8Array;
  private records = 0;
  private foreign = 0;
  private altered = 0;

  constructor(
    readonly containers: number,
    readonly perContainer: number,
  ) {
    this.seen = new Uint8Array(containers * perContainer);
  }

  /** A record's message: the line its container printed. */
  message(text: unknown): void {
    this.records += 1;
    const key = typeof text === 'string' ? lineKey(text) : undefined;
    if (!key || key.c >= this.containers || key.n < 1 || key.n > this.perContainer) {
      this.foreign += 1;
      return;
    }
    if (text !== lineText(key.c, key.n)) this.altered += 1;
    const at = key.c * this.perContainer + key.n - 1;
    if ((this.seen[at] as number) < 255) this.seen[at] = (this.seen[at] as number) + 1;
  }

  /** A record as one JSON line (the file and stdout outputs, a Kafka message's value). */
  recordLine(line: string): Record<string, unknown> | undefined {
    if (!line) return undefined;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.records += 1;
      this.foreign += 1;
      return undefined;
    }
    this.message(record.message);
    return record;
  }

  result(): Delivery {
    let missing = 0;
    let duplicates = 0;
    for (const n of this.seen) {
      if (n === 0) missing += 1;
      else duplicates += n - 1;
    }
    return { records: this.records, missing, duplicates, foreign: this.foreign, altered: this.altered };
  }
}

/** The sum of several outputs' deliveries (a pipeline with two outputs: each must have every line once). */
export function addDeliveries(all: readonly Delivery[]): Delivery {
  const sum: Delivery = { records: 0, missing: 0, duplicates: 0, foreign: 0, altered: 0 };
  for (const d of all) for (const k of Object.keys(sum) as (keyof Delivery)[]) sum[k] += d[k];
  return sum;
}
