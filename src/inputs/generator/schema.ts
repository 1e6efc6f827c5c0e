import { z } from 'zod';
import { byteSize } from '../../config/units.js';

export const generatorSchema = z
  .object({
    count: z.number().int().nonnegative().default(0).describe('Records to generate, then stop (0: no end).'),
    rate: z.number().nonnegative().default(0).describe('Records per second (0: as fast as the pipeline takes them).'),
    message_bytes: byteSize.default(100).describe('Size of each message: "<sequence number> " padded with "x" to this many bytes.'),
    containers: z.number().int().positive().default(1).describe('Spread records over this many made-up containers (generator-0, generator-1, …), round robin.'),
  })
  .strict();

export type GeneratorConfig = z.output<typeof generatorSchema>;
