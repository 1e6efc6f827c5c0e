import { wakeOrAbort } from './backoff.js';

/**
 * A bounded queue between two pipeline stages, limited in items and in bytes.
 * Producers that cannot wait (a Docker stream's data handler) use `offer`, which always accepts
 * and reports whether the producer must pause; producers that can wait use `put`.
 */
export class Channel<T> {
  private items: T[] = [];
  private sizes: number[] = [];
  private head = 0;
  private bytes = 0;
  private closed = false;
  private readonly takers: Array<() => void> = [];
  private readonly spaceWaiters: Array<() => void> = [];

  constructor(
    readonly maxItems: number,
    readonly maxBytes: number,
  ) {}

  get length(): number {
    return this.items.length - this.head;
  }

  get byteSize(): number {
    return this.bytes;
  }

  get isFull(): boolean {
    return this.length >= this.maxItems || this.bytes >= this.maxBytes;
  }

  /** Accepts the item; returns false when the channel is now full and the producer should pause. */
  offer(item: T, bytes: number): boolean {
    if (this.closed) throw new Error('channel closed');
    this.items.push(item);
    this.sizes.push(bytes);
    this.bytes += bytes;
    this.wakeTakers();
    return !this.isFull;
  }

  /** Waits for room, then enqueues. */
  async put(item: T, bytes: number): Promise<void> {
    while (this.isFull && !this.closed) await this.waitForSpace();
    this.offer(item, bytes);
  }

  /** Resolves when the channel has room (below its limits). */
  waitForSpace(): Promise<void> {
    if (!this.isFull || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /**
   * Takes up to `max` items, waiting for at least one. Returns an empty array only when the
   * channel is closed and drained, or `signal` aborted the wait.
   */
  async take(max: number, signal?: AbortSignal): Promise<T[]> {
    while (this.length === 0) {
      if (this.closed || signal?.aborted) return [];
      // an aborted wait takes nothing: items never disappear into a consumer that gave up
      if (signal) await wakeOrAbort((wake) => this.takers.push(wake), signal);
      else await new Promise<void>((resolve) => this.takers.push(resolve));
    }
    return this.takeNow(max);
  }

  private takeNow(max: number): T[] {
    const end = Math.min(this.items.length, this.head + max);
    const batch = this.items.slice(this.head, end);
    for (let i = this.head; i < end; i++) this.bytes -= this.sizes[i] ?? 0;
    this.head = end;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    if (!this.isFull) this.wakeSpaceWaiters();
    return batch;
  }

  /**
   * Puts items back in front, in their order (a consumer that is replaced hands back what it
   * took but did not finish). Ignores the limits: the items were admitted once already.
   */
  requeue(items: readonly T[], sizeOf: (item: T) => number): void {
    if (items.length === 0) return;
    const sizes = items.map(sizeOf);
    this.items = [...items, ...this.items.slice(this.head)];
    this.sizes = [...sizes, ...this.sizes.slice(this.head)];
    this.head = 0;
    for (const size of sizes) this.bytes += size;
    this.wakeTakers();
  }

  /** Resolves when an item is queued or the channel is closed. */
  async whenNotEmpty(): Promise<void> {
    while (this.length === 0 && !this.closed) await new Promise<void>((resolve) => this.takers.push(resolve));
  }

  /** Takes up to `max` items that are already queued, without waiting. */
  poll(max: number): T[] {
    if (this.length === 0) return [];
    return this.takeNow(max);
  }

  /** Waits up to `ms` for more items to arrive (batch linger). */
  async waitForItems(count: number, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.length < count && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.takers.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.closed = true;
    this.wakeTakers();
    this.wakeSpaceWaiters();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // checked before splicing: offer runs once per record, and splice(0) allocates even when empty
  private wakeTakers(): void {
    if (this.takers.length === 0) return;
    for (const wake of this.takers.splice(0)) wake();
  }

  private wakeSpaceWaiters(): void {
    if (this.spaceWaiters.length === 0) return;
    for (const wake of this.spaceWaiters.splice(0)) wake();
  }
}
