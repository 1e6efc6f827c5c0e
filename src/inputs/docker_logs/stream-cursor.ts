/** A position in one container stream: the last timestamp and how many messages carried it. */
export interface StreamPosition {
  ts: string;
  count: number;
}

/**
 * Where reading of one (container, stream) stands. Docker's `since` is inclusive and only
 * second-granular in practice for resumes, so reopening repeats messages; the cursor drops every
 * message up to its position, counting messages that share the exact last timestamp.
 * The position is kept as two fields, not an object: `advance` runs once per message.
 */
export class StreamCursor {
  /** Timestamp of the last message taken (undefined: nothing yet). */
  ts: string | undefined;
  /** How many messages taken carried exactly `ts`. */
  count = 0;
  private skipAtTs: number;

  constructor(start?: StreamPosition) {
    this.ts = start?.ts;
    this.count = start?.count ?? 0;
    this.skipAtTs = this.count;
  }

  get position(): StreamPosition | undefined {
    return this.ts === undefined ? undefined : { ts: this.ts, count: this.count };
  }

  /** Takes a message's timestamp; false when that message was read before. */
  advance(ts: string): boolean {
    const at = this.ts;
    if (at !== undefined) {
      if (ts < at) return false;
      if (ts === at) {
        if (this.skipAtTs > 0) {
          this.skipAtTs -= 1;
          return false;
        }
        this.count += 1;
        return true;
      }
    }
    this.skipAtTs = 0;
    this.ts = ts;
    this.count = 1;
    return true;
  }

  /** The position after this message, or undefined when it was read before. */
  next(ts: string): StreamPosition | undefined {
    return this.advance(ts) ? this.position : undefined;
  }

  /** Called before reading the stream again from an earlier `since`. */
  reopen(): void {
    this.skipAtTs = this.count;
  }

  /** Moves back, e.g. over pieces of a line that was cut off by the end of the stream. */
  rewind(to: StreamPosition | undefined): void {
    this.ts = to?.ts;
    this.count = to?.count ?? 0;
    this.skipAtTs = 0;
  }
}
