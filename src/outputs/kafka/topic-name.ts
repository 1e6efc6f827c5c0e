/** Kafka topic names: at most 249 of [a-zA-Z0-9._-], and not "." or "..". */
export function sanitizeTopic(name: string): string {
  const cleaned = name.replace(/[^a-zA-Z0-9._-]/g, '_').slice(0, 249);
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return `_${cleaned}`;
  return cleaned;
}
