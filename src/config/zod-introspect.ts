import { z } from 'zod';
import { boundsOf } from '../plugins/options/numbers.js';

/** Strips wrappers (default, optional, nullable, effects) to reach the schema that holds the shape. */
export function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodDefault) current = current._def.innerType;
    else if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current._def.innerType;
    else if (current instanceof z.ZodEffects) current = current._def.schema;
    else return current;
  }
}

/** The object keys allowed at a path inside a schema, for "did you mean" hints. */
export function keysAt(schema: z.ZodTypeAny, path: ReadonlyArray<string | number>): string[] {
  let current: z.ZodTypeAny | undefined = unwrap(schema);
  for (const part of path) {
    if (!current) return [];
    if (current instanceof z.ZodObject && typeof part === 'string') current = (current.shape as Record<string, z.ZodTypeAny>)[part];
    else if (current instanceof z.ZodArray) current = current._def.type;
    else if (current instanceof z.ZodUnion) current = (current._def.options as z.ZodTypeAny[]).find((o) => unwrap(o) instanceof z.ZodObject || unwrap(o) instanceof z.ZodArray);
    else return [];
    current = current ? unwrap(current) : undefined;
  }
  return current instanceof z.ZodObject ? Object.keys(current.shape as object) : [];
}

export interface OptionDoc {
  key: string;
  type: string;
  required: boolean;
  default?: unknown;
  description: string;
}

/** Flattens an object schema into documented options (nested objects as dotted keys). */
export function describeOptions(schema: z.ZodTypeAny, prefix = ''): OptionDoc[] {
  const object = unwrap(schema);
  if (!(object instanceof z.ZodObject)) return [];
  const out: OptionDoc[] = [];
  for (const [key, field] of Object.entries(object.shape as Record<string, z.ZodTypeAny>)) {
    const inner = unwrap(field);
    const name = prefix + key;
    const doc: OptionDoc = {
      key: name,
      type: withBounds(typeName(inner), field),
      required: !field.isOptional(),
      description: field.description ?? inner.description ?? '',
    };
    const def = defaultOf(field);
    if (def !== undefined) doc.default = def;
    out.push(doc);
    if (inner instanceof z.ZodObject) out.push(...describeOptions(inner, `${name}.`));
  }
  return out;
}

function defaultOf(schema: z.ZodTypeAny): unknown {
  let current = schema;
  while (current instanceof z.ZodOptional || current instanceof z.ZodNullable || current instanceof z.ZodEffects) {
    current = current instanceof z.ZodEffects ? current._def.schema : current._def.innerType;
  }
  return current instanceof z.ZodDefault ? (current._def.defaultValue as () => unknown)() : undefined;
}

/** "number (1 – 32)", "number | string (1 B – 64 MiB)": the docs and `logship plugins` show every option's bounds. */
function withBounds(type: string, schema: z.ZodTypeAny): string {
  let range = boundsOf(schema);
  const inner = unwrap(schema);
  if (range === undefined && inner instanceof z.ZodNumber && inner.minValue !== null && inner.maxValue !== null) range = `${inner.minValue} – ${inner.maxValue}`;
  return range === undefined ? type : `${type} (${range})`;
}

function typeName(schema: z.ZodTypeAny): string {
  const s = unwrap(schema);
  if (s instanceof z.ZodString) return 'string';
  if (s instanceof z.ZodNumber) return 'number';
  if (s instanceof z.ZodBoolean) return 'boolean';
  if (s instanceof z.ZodEnum) return (s._def.values as string[]).map((v) => `"${v}"`).join(' | ');
  if (s instanceof z.ZodLiteral) return JSON.stringify(s._def.value);
  if (s instanceof z.ZodArray) return `list of ${typeName(s._def.type)}`;
  if (s instanceof z.ZodObject) return 'object';
  if (s instanceof z.ZodRecord) return 'map';
  if (s instanceof z.ZodUnion) return (s._def.options as z.ZodTypeAny[]).map(typeName).join(' | ');
  return 'value';
}
