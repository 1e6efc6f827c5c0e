/**
 * A record's place in what its input reads, in a form outputs can compare: the source (one
 * container stream, one file by inode, one generator run, each with the input that reads it) and
 * the record's position in it. Positions of one source only grow, so "every record at or before P
 * was delivered" is one position per source (the kafka output's exactly-once delivery keeps them).
 */
export interface SourcePosition {
  /** The input and the stream or file it reads, e.g. "docker_logs_0/<container id>/stdout". */
  readonly source: string;
  /** Ordered by `at` (text compared as written: docker_logs timestamps), then by `n`. */
  readonly at: string;
  readonly n: number;
}

/** Negative when a comes before b, 0 when equal, positive after (both of one source). */
export function comparePositions(a: Pick<SourcePosition, 'at' | 'n'>, b: Pick<SourcePosition, 'at' | 'n'>): number {
  if (a.at !== b.at) return a.at < b.at ? -1 : 1;
  return a.n - b.n;
}

/** The later of two positions of one source. */
export function laterPosition<P extends Pick<SourcePosition, 'at' | 'n'>>(a: P | undefined, b: P): P {
  return a === undefined || comparePositions(b, a) > 0 ? b : a;
}
