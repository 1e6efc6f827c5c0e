/** A parsed time (ISO 8601 text, or epoch seconds/milliseconds) as logship's @timestamp form, 9 fraction digits. */
export function normalizeParsedTimestamp(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const ms = value < 1e11 ? value * 1000 : value;
    return toNanos(new Date(ms).toISOString());
  }
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4}-\d\d-\d\d)[T ](\d\d:\d\d:\d\d)(?:[.,](\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$/.exec(value.trim());
  if (!m) return undefined;
  const [, date, time, fraction = '', zone = 'Z'] = m;
  if (zone === 'Z' || zone === '+00:00' || zone === '+0000') return `${date}T${time}.${fraction.padEnd(9, '0')}Z`;
  const ms = Date.parse(`${date}T${time}${zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`);
  if (Number.isNaN(ms)) return undefined;
  return `${new Date(ms).toISOString().slice(0, 19)}.${fraction.padEnd(9, '0')}Z`;
}

function toNanos(iso: string): string {
  return `${iso.slice(0, 23)}000000Z`;
}
