import { z } from 'zod';

export const stdoutSchema = z
  .object({
    format: z
      .enum(['json', 'human'])
      .default('json')
      .describe('"json": one record per line as a JSON object. "human": time, container name, stream and message, for reading in a terminal.'),
  })
  .strict();

export type StdoutConfig = z.output<typeof stdoutSchema>;
