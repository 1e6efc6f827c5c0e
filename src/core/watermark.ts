/**
 * Tracks records of one source in emission order and yields the watermark: the position of the
 * last record such that it and every record before it are settled. Settlement may arrive in any order.
 */
export class Watermark<P> {
  private readonly positions: P[] = [];
  private readonly done: boolean[] = [];
  private head = 0;
  private nextSeq = 0;
  private firstSeq = 0;
  private current: P | undefined;

  constructor(initial?: P) {
    this.current = initial;
  }

  /** Registers the next record; returns the sequence number to settle it with. */
  add(position: P): number {
    this.positions.push(position);
    this.done.push(false);
    return this.nextSeq++;
  }

  /** Marks a record settled; returns true when the watermark moved. */
  settle(seq: number): boolean {
    const index = seq - this.firstSeq;
    if (index < this.head || index >= this.done.length) return false;
    this.done[index] = true;
    let moved = false;
    while (this.head < this.done.length && this.done[this.head]) {
      this.current = this.positions[this.head];
      this.head += 1;
      moved = true;
    }
    if (this.head > 1024 && this.head * 2 > this.done.length) this.compact();
    return moved;
  }

  get value(): P | undefined {
    return this.current;
  }

  /** The oldest record not settled yet, if any. */
  get oldestPending(): P | undefined {
    return this.head < this.positions.length ? this.positions[this.head] : undefined;
  }

  get pendingCount(): number {
    return this.positions.length - this.head;
  }

  private compact(): void {
    this.positions.splice(0, this.head);
    this.done.splice(0, this.head);
    this.firstSeq += this.head;
    this.head = 0;
  }
}
