import type { LogRecord } from '../core/record.js';

/** Dotted paths into records. Nested objects may be frozen and shared (container metadata): writes copy them. */
export function splitPath(path: string): string[] {
  return path.split('.').filter(Boolean);
}

export function getField(record: LogRecord, path: readonly string[]): unknown {
  let value: unknown = record;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function setField(record: LogRecord, path: readonly string[], value: unknown): void {
  let parent = record as Record<string, unknown>;
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      parent[key] = value;
      return;
    }
    const child = parent[key];
    const copy: Record<string, unknown> = child !== null && typeof child === 'object' && !Array.isArray(child) ? { ...(child as Record<string, unknown>) } : {};
    parent[key] = copy;
    parent = copy;
  });
}

export function deleteField(record: LogRecord, path: readonly string[]): boolean {
  if (getField(record, path) === undefined) return false;
  let parent = record as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    const copy = { ...(parent[key] as Record<string, unknown>) };
    parent[key] = copy;
    parent = copy;
  }
  delete parent[path[path.length - 1] as string];
  return true;
}

export function fieldString(record: LogRecord, path: readonly string[]): string | undefined {
  const value = getField(record, path);
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
}
