/** A position in one container stream: the last timestamp and how many messages carried it. */
export interface StreamPosition {
  ts: string;
  count: number;
}

/**
 * Where reading of one (container, stream) stands. Docker's `since` is inclusive and only
 * second-granular in practice for resumes, so reopening repeats messages; the cursor drops every
 * message up to its position, counting messages that share the exact last timestamp.
 */
export class StreamCursor {
  private skipAtTs: number;

  constructor(private current?: StreamPosition) {
    this.skipAtTs = current?.count ?? 0;
  }

  get position(): StreamPosition | undefined {
    return this.current;
  }

  /** The position after this message, or undefined when it was read before. */
  next(ts: string): StreamPosition | undefined {
    const at = this.current;
    if (at) {
      if (ts < at.ts) return undefined;
      if (ts === at.ts) {
        if (this.skipAtTs > 0) {
          this.skipAtTs -= 1;
          return undefined;
        }
        this.current = { ts, count: at.count + 1 };
        return this.current;
      }
    }
    this.skipAtTs = 0;
    this.current = { ts, count: 1 };
    return this.current;
  }

  /** Called before reading the stream again from an earlier `since`. */
  reopen(): void {
    this.skipAtTs = this.current?.count ?? 0;
  }

  /** Moves back, e.g. over pieces of a line that was cut off by the end of the stream. */
  rewind(to: StreamPosition | undefined): void {
    this.current = to;
    this.skipAtTs = 0;
  }
}
