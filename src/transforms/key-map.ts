import { createHash } from 'node:crypto';

/** Keys longer than this are stored as a digest: a key made from a field can be a whole message. */
export const MAX_STORED_KEY_LENGTH = 256;

/** A key as a per-key transform stores it: itself, or a digest when it is long. */
export function storedKey(key: string): string {
  return key.length <= MAX_STORED_KEY_LENGTH ? key : `sha256:${createHash('sha256').update(key).digest('base64')}`;
}

/**
 * Per-key state of a transform whose keys can come from container output (a template over parsed
 * fields): at most `limit` keys, forgetting the least recently used ones to make room, so a stream
 * of ever new keys cannot grow it.
 */
export class LruMap<V> {
  private readonly map = new Map<string, V>();
  /** The key used last: a burst from one key does not reorder the map at every record. */
  private newest: string | undefined;

  constructor(readonly limit: number) {}

  get size(): number {
    return this.map.size;
  }

  /** The key's value, now the most recently used; undefined when absent. */
  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined && key !== this.newest) {
      this.map.delete(key);
      this.map.set(key, value);
      this.newest = key;
    }
    return value;
  }

  /**
   * Stores a value as the most recently used. When full, forgets the least recently used keys, a
   * sixteenth of the limit at once: finding the oldest key means walking past the slots earlier
   * deletions left at the start of the map, which once per key made each new key cost ten times more.
   */
  set(key: string, value: V): void {
    if (this.map.has(key)) this.map.delete(key);
    else if (this.map.size >= this.limit) this.evict(Math.ceil(this.limit / 16));
    this.map.set(key, value);
    this.newest = key;
  }

  private evict(count: number): void {
    let left = count;
    for (const key of this.map.keys()) {
      if (left-- <= 0) break;
      this.map.delete(key);
      if (key === this.newest) this.newest = undefined;
    }
  }

  delete(key: string): void {
    this.map.delete(key);
    if (key === this.newest) this.newest = undefined;
  }

  keys(): IterableIterator<string> {
    return this.map.keys();
  }

  /** Entries from the least to the most recently used. */
  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }
}
