import { z } from 'zod';
import { integerIn, numberIn } from '../../plugins/options/numbers.js';
import { byteSizeIn, MiB } from '../../plugins/options/units.js';

export const generatorSchema = z
  .object({
    count: integerIn(0, Number.MAX_SAFE_INTEGER).default(0).describe('Records to generate, then stop (0: no end).'),
    rate: numberIn(0, 10_000_000).default(0).describe('Records per second (0: as fast as the pipeline takes them).'),
    message_bytes: byteSizeIn({ max: 64 * MiB }).default(100).describe('Size of each message: "<sequence number> " padded with "x" to this many bytes (message: padded).'),
    message: z
      .enum(['padded', 'json_log'])
      .default('padded')
      .describe('padded: "<sequence number> " padded with "x" to message_bytes; json_log: a JSON application log line of about 110 bytes, {"n":…,"c":…,"level":…,"msg":"request served path=… status=… bytes=… dur_ms=…"}, varying with the number and the container (message_bytes is not used), which compresses like real logs.'),
    containers: integerIn(1, 10_000).default(1).describe('Spread records over this many made-up containers (generator-0, generator-1, …), round robin.'),
  })
  .strict();

export type GeneratorConfig = z.output<typeof generatorSchema>;
