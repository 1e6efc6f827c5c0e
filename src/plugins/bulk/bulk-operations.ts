/** Operations [from, to) of a batch. */
export interface OperationRange {
  from: number;
  to: number;
}

/**
 * A batch's bulk operations: one NDJSON body, and where each operation's two lines sit in it, kept
 * in typed arrays rather than an object per document — they live until the batch is answered,
 * long enough for V8 to copy every such object into its old generation.
 */
export class BulkOperations {
  private count = 0;
  private readonly indexes: Int32Array;
  /** start, document start and end of each operation. */
  private readonly offsets: Float64Array;
  private body: Buffer = Buffer.alloc(0);

  constructor(capacity: number) {
    this.indexes = new Int32Array(capacity);
    this.offsets = new Float64Array(capacity * 3);
  }

  /** An operation for the batch's record `index`: its action line at `start`, its document from `documentStart` to `end`. */
  add(index: number, start: number, documentStart: number, end: number): void {
    const at = this.count;
    this.indexes[at] = index;
    this.offsets[at * 3] = start;
    this.offsets[at * 3 + 1] = documentStart;
    this.offsets[at * 3 + 2] = end;
    this.count = at + 1;
  }

  /** The NDJSON every operation points into (set once, after the last add). */
  setBody(body: Buffer): void {
    this.body = body;
  }

  get length(): number {
    return this.count;
  }

  /** The record's place in its batch. */
  batchIndex(operation: number): number {
    return this.indexes[operation] as number;
  }

  /** The NDJSON of operations [from, to): a slice of the body. */
  lines(range: OperationRange): Buffer {
    return this.body.subarray(this.offsets[range.from * 3], this.offsets[(range.to - 1) * 3 + 2]);
  }

  /** The document as sent (for the dead-letter index). */
  document(operation: number): string {
    return this.body.toString('utf8', this.offsets[operation * 3 + 1], (this.offsets[operation * 3 + 2] as number) - 1);
  }

  /** Consecutive ranges of at most maxBytes of NDJSON (a single larger operation makes a range of its own). */
  ranges(maxBytes: number): OperationRange[] {
    const ranges: OperationRange[] = [];
    let from = 0;
    for (let op = 0; op < this.count; op += 1) {
      const end = this.offsets[op * 3 + 2] as number;
      if (op > from && end - (this.offsets[from * 3] as number) > maxBytes) {
        ranges.push({ from, to: op });
        from = op;
      }
    }
    if (this.count > from) ranges.push({ from, to: this.count });
    return ranges;
  }
}
