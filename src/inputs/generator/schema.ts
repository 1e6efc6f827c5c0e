import { z } from 'zod';
import { integerIn, numberIn } from '../../plugins/options/numbers.js';
import { byteSizeIn, MiB } from '../../plugins/options/units.js';

export const generatorSchema = z
  .object({
    count: integerIn(0, Number.MAX_SAFE_INTEGER).default(0).describe('Records to generate, then stop (0: no end).'),
    rate: numberIn(0, 10_000_000).default(0).describe('Records per second (0: as fast as the pipeline takes them).'),
    message_bytes: byteSizeIn({ max: 64 * MiB }).default(100).describe('Size of each message: "<sequence number> " padded with "x" to this many bytes.'),
    containers: integerIn(1, 10_000).default(1).describe('Spread records over this many made-up containers (generator-0, generator-1, …), round robin.'),
  })
  .strict();

export type GeneratorConfig = z.output<typeof generatorSchema>;
