import { join } from 'node:path';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Counter, Metrics } from '../../core/metrics.js';
import { appendPrivateSynced } from '../../state/file-modes.js';
import { METRIC } from '../../core/metric-names.js';

/** A spool entry that is not a record: where it was and why it was refused. */
export interface InvalidEntry {
  segment: string;
  offset: number;
  reason: string;
  payload: Buffer;
}

/**
 * Where spool entries that are not records go (`corrupt.jsonl` in the spool folder, one JSON line
 * each with the segment, byte offset, reason and the entry's text), so that replay can go on past
 * them without losing them silently. Counted one by one; logged once per segment, since a
 * damaged segment may hold thousands.
 */
export class SpoolAside {
  readonly path: string;
  private readonly count: Counter;
  private loggedSegment: string | undefined;

  constructor(
    dir: string,
    private readonly output: string,
    private readonly logger: Logger,
    metrics: Metrics,
  ) {
    this.path = join(dir, 'corrupt.jsonl');
    this.count = metrics.counter(METRIC.BUFFER_INVALID_ENTRIES_TOTAL, { output });
  }

  /** Writes and syncs the entries before the caller settles them; a failed write is logged, not thrown. */
  put(entries: readonly InvalidEntry[]): void {
    if (entries.length === 0) return;
    this.count.inc(entries.length);
    const first = entries[0] as InvalidEntry;
    if (first.segment !== this.loggedSegment) {
      this.loggedSegment = first.segment;
      this.logger.error(
        { output: this.output, segment: first.segment, offset: first.offset },
        `buffer: spool entry in ${first.segment} at byte ${first.offset} is not a record (${first.reason}); moved aside to ${this.path} and skipped — later ones in this segment are only counted (buffer_invalid_entries_total)`,
      );
    }
    const time = new Date().toISOString();
    const lines = entries.map((e) => `${JSON.stringify({ time, output: this.output, segment: e.segment, offset: e.offset, reason: e.reason, entry: e.payload.toString('utf8') })}\n`);
    try {
      appendPrivateSynced(this.path, lines.join(''));
    } catch (err) {
      // they are not records: skipping them without a copy loses nothing an output could take
      this.logger.error({ output: this.output, path: this.path }, `buffer: cannot write ${entries.length} spool entries that are not records to ${this.path} (${errorMessage(err)}); skipped without a copy`);
    }
  }
}
