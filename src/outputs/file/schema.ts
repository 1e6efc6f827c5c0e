import { z } from 'zod';
import { integerIn } from '../../plugins/options/numbers.js';

export const fileSchema = z
  .object({
    path: z.string().min(1).describe('File to append JSON lines to. Created if missing; reopened if it is moved away (log rotation).'),
    mkdir: z.boolean().default(true).describe('Create missing parent directories.'),
    fsync: z
      .boolean()
      .default(false)
      .describe('fsync after every batch before acknowledging it. Off: records survive a crash of the shipper (kill -9) but not of the machine.'),
    batch_max_records: integerIn(1, 1_000_000).default(1024).describe('Most records written in one write call (old name: max_batch_records, still accepted).'),
  })
  .strict();

export type FileConfig = z.output<typeof fileSchema>;
