/** Batches in write() at once: the next one is rendered and encoded while the broker acknowledges the last. */
export const CONCURRENT_WRITES = 2;
