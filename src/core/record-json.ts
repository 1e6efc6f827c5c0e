import type { LogRecord } from './record.js';

/** JSON of frozen nested objects (container metadata, host): shared by many records, serialised once. */
const frozenJson = new WeakMap<object, string>();

/**
 * The record as one line of JSON, identical to JSON.stringify(record). Inputs freeze the nested
 * objects they share between records (a container's metadata), which makes them safe to cache.
 */
export function recordToJson(record: LogRecord): string {
  let out = '{';
  for (const key in record) {
    const value = record[key];
    if (value === undefined || typeof value === 'function') continue;
    if (out.length > 1) out += ',';
    out += JSON.stringify(key);
    out += ':';
    out += valueJson(value);
  }
  return `${out}}`;
}

function valueJson(value: unknown): string {
  if (typeof value === 'object' && value !== null && Object.isFrozen(value)) {
    let json = frozenJson.get(value);
    if (json === undefined) {
      json = JSON.stringify(value);
      frozenJson.set(value, json);
    }
    return json;
  }
  return JSON.stringify(value);
}

/** Freezes an object and everything in it, so its JSON can be cached. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
