import { boundedMemo } from './bounded-memo.js';
import type { LogRecord } from './record.js';

/** JSON of frozen nested objects (container metadata, host): shared by many records, serialised once. */
const frozenJson = new WeakMap<object, string>();

/**
 * The fields every record has, in the order inputs create them. Each has a slot that remembers its
 * last value and that value's JSON: consecutive records mostly share stream, source, tag,
 * container and host (one container's burst), and a pointer comparison beats serialising again.
 */
const SLOTTED_KEYS = ['@timestamp', 'message', 'stream', 'source', 'tag', 'container', 'host', 'log'];
const SLOT_OF_KEY: ReadonlyMap<string, number> = new Map(SLOTTED_KEYS.map((key, slot) => [key, slot]));
const lastValue: unknown[] = SLOTTED_KEYS.map(() => undefined);
const lastJson: Array<string | undefined> = SLOTTED_KEYS.map(() => undefined);
/** `"key":`, and `,"key":` for any key but the first. */
const FIRST_KEY = SLOTTED_KEYS.map((key) => `${JSON.stringify(key)}:`);
const NEXT_KEY = FIRST_KEY.map((json) => `,${json}`);

/**
 * The record as one line of JSON, identical to JSON.stringify(record). Inputs freeze the nested
 * objects they share between records (a container's metadata), which makes them safe to cache.
 */
export function recordToJson(record: LogRecord): string {
  let out = '{';
  let first = true;
  for (const key in record) {
    const value = record[key];
    const slot = SLOT_OF_KEY.get(key);
    let json: string | undefined;
    if (slot === undefined) {
      json = valueJson(value);
      if (json === undefined) continue;
      out += (first ? '' : ',') + keyJson(key) + json;
    } else {
      if (value === lastValue[slot] && (typeof value === 'string' || Object.isFrozen(value))) json = lastJson[slot];
      else {
        json = valueJson(value);
        lastValue[slot] = value;
        lastJson[slot] = json;
      }
      if (json === undefined) continue;
      out += (first ? FIRST_KEY[slot] : NEXT_KEY[slot]) + json;
    }
    first = false;
  }
  return `${out}}`;
}

/** `"key":` of other keys, which are few and repeat in every record. */
const keyJson = boundedMemo((key) => `${JSON.stringify(key)}:`);

/** Characters JSON.stringify escapes: quote, backslash, control characters, surrogates (lone ones are escaped). */
// eslint-disable-next-line no-control-regex -- these are exactly the characters JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON of a value, or undefined where JSON.stringify would leave the key out (undefined, functions, symbols). */
function valueJson(value: unknown): string | undefined {
  // most strings need no escaping: quoting them is about twice as fast as the generic serialiser
  if (typeof value === 'string') return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
  if (typeof value === 'object' && value !== null && Object.isFrozen(value)) {
    let json = frozenJson.get(value);
    if (json === undefined) {
      json = JSON.stringify(value);
      frozenJson.set(value, json);
    }
    return json;
  }
  return JSON.stringify(value) as string | undefined;
}

/** Freezes an object and everything in it, so its JSON can be cached. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
