export interface Audit {
  /** Distinct lines found. */
  present: number;
  missing: number;
  /** Lines found more than once, and the copies beyond the first. */
  duplicated: number;
  extraCopies: number;
  /** Messages that are no soak line (at most 10 shown). */
  unexpected: string[];
}

const LINE = /^c(\d+) (out|file) (\d+)$/;

/** Counts `c<K> out|file <n>` lines against containers 1..containers × both streams × 1..n. */
export function auditNumbers(messages: readonly string[], containers: number, n: number): Audit {
  const seen = new Map<string, number>();
  const unexpected: string[] = [];
  for (const message of messages) {
    const m = LINE.exec(message);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > containers || Number(m[3]) < 1 || Number(m[3]) > n) {
      if (unexpected.length < 10) unexpected.push(message);
      continue;
    }
    seen.set(message, (seen.get(message) ?? 0) + 1);
  }
  let duplicated = 0;
  let extraCopies = 0;
  for (const times of seen.values()) {
    if (times > 1) {
      duplicated += 1;
      extraCopies += times - 1;
    }
  }
  return { present: seen.size, missing: containers * 2 * n - seen.size, duplicated, extraCopies, unexpected };
}

/** `count` moments in [from, to) ms, sorted, at least `gap` apart (for spreading kills over a run). */
export function randomMoments(count: number, from: number, to: number, gap: number, random: () => number = Math.random): number[] {
  const span = to - from - gap * (count - 1);
  if (span < 0) throw new Error(`cannot fit ${count} moments ${gap} ms apart into ${to - from} ms`);
  const offsets = Array.from({ length: count }, () => random() * span).sort((a, b) => a - b);
  return offsets.map((offset, i) => Math.round(from + offset + i * gap));
}
