/** Keys longer than this are computed every time: the names that repeat are short, and a long key held 10,000 times over could fill the heap. */
export const MEMO_MAX_KEY_LENGTH = 256;

/**
 * Remembers a function's results for the few distinct keys a hot path sees again and again (field
 * names, topic and index names); forgets everything when `limit` keys are stored, so a stream of
 * ever new keys cannot grow it without bound. Keys can come from container output (parsed field
 * names, templates over parsed fields): long ones are not remembered.
 */
export function boundedMemo<V>(compute: (key: string) => V, limit = 10_000): (key: string) => V {
  const results = new Map<string, V>();
  return (key) => {
    if (key.length > MEMO_MAX_KEY_LENGTH) return compute(key);
    let value = results.get(key);
    if (value === undefined) {
      value = compute(key);
      if (results.size >= limit) results.clear();
      results.set(key, value);
    }
    return value;
  };
}
