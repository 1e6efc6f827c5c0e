import { z } from 'zod';

/** Options every parser shares. */
export const parserOptions = {
  field: z.string().min(1).default('message').describe('Field to parse (dotted path).'),
  target: z.string().default('').describe('Put the parsed fields under this key (dotted path); empty: merge them at the top level.'),
  timestamp_field: z.string().min(1).optional().describe('Parsed field holding the event time (ISO 8601 or epoch seconds/ms): it becomes @timestamp.'),
};
