/**
 * Remembers a function's results for the few distinct keys a hot path sees again and again (field
 * names, topic and index names); forgets everything when `limit` keys are stored, so a stream of
 * ever new keys cannot grow it without bound.
 */
export function boundedMemo<V>(compute: (key: string) => V, limit = 10_000): (key: string) => V {
  const results = new Map<string, V>();
  return (key) => {
    let value = results.get(key);
    if (value === undefined) {
      value = compute(key);
      if (results.size >= limit) results.clear();
      results.set(key, value);
    }
    return value;
  };
}
