import { z } from 'zod';
import { LOGSHIP_FIELDS, OVERWRITABLE_FIELDS, isLogshipField } from './logship-fields.js';

const FIELD_LIST = LOGSHIP_FIELDS.join(', ');

/** Options every parser shares. */
export const parserOptions = {
  field: z.string().min(1).default('message').describe('Field to parse (dotted path).'),
  target: z
    .string()
    .refine((path) => !isLogshipField(path.split('.')[0] ?? ''), (path) => ({ message: `"${path.split('.')[0]}" is a field logship sets (${FIELD_LIST}); put the parsed fields under another key` }))
    .default('')
    .describe('Put the parsed fields under this key (dotted path; not inside a field logship sets); empty: merge them at the top level.'),
  timestamp_field: z.string().min(1).optional().describe('Parsed field holding the event time (ISO 8601 or epoch seconds/ms): it becomes @timestamp.'),
  collision_target: z
    .string()
    .regex(/^[^.\s]+$/, 'one key, without dots or spaces')
    .refine((key) => !isLogshipField(key) && key !== '__proto__', (key) => ({ message: `"${key}" is a field logship sets (${FIELD_LIST}); choose another key` }))
    .default('_parsed')
    .describe(`Merging at the top level: parsed keys named like a field logship sets (${FIELD_LIST}), or like this key, are kept under this key instead.`),
  allow_overwrite: z
    .array(z.enum(OVERWRITABLE_FIELDS))
    .default([])
    .describe('Fields logship sets that parsed keys may replace when merging at the top level, given a value of their kind (text for tag, source, stream; an object for container, host, log, exec). @timestamp: use timestamp_field.'),
};
