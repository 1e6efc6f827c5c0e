import { z } from 'zod';
import { isLoopbackAddress } from './api-address.js';
import { integerIn } from '../plugins/options/numbers.js';
import { byteSizeIn, duration, GiB } from '../plugins/options/units.js';

export const queueSchema = z
  .object({
    max_records: integerIn(1, 10_000_000).default(8192).describe('Most records waiting between two stages.'),
    // the queues live in the heap, which Node.js caps at a few GiB
    max_bytes: byteSizeIn({ max: 2 * GiB }).default(16 * 1024 * 1024).describe('Most bytes of records waiting between two stages (e.g. 16MiB).'),
  })
  .strict();

/**
 * The HTTP API. /tap shows every container's log lines, so it is off unless asked for, and beyond
 * loopback only with a bearer token; probes and /metrics are always open.
 */
export const apiSchema = z
  .object({
    enabled: z.boolean().default(true),
    address: z
      .string()
      .regex(/^[^\s:]+:\d+$/, 'write host:port, e.g. 127.0.0.1:2020 (0.0.0.0:2020 to listen on every interface)')
      .default('127.0.0.1:2020'),
    tap: z.boolean().default(false),
    token_file: z.string().min(1).optional(),
    token_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'write the name of an environment variable, e.g. LOGSHIP_API_TOKEN').optional(),
  })
  .strict()
  .superRefine((api, ctx) => {
    if (api.token_file !== undefined && api.token_env !== undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['token_env'], message: 'give token_file or token_env, not both' });
    }
    if (api.enabled && api.tap && api.token_file === undefined && api.token_env === undefined && !isLoopbackAddress(api.address)) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['tap'],
        message: `/tap shows every container's logs and api.address ${api.address} is reachable from other hosts and pods: set api.token_file (or api.token_env) to require a bearer token, listen on 127.0.0.1, or set api.tap: false`,
      });
    }
  })
  .default({});

/** The pipeline file's top level; plugin entries are checked against their own schemas afterwards. */
export const pipelineSchema = z
  .object({
    state_dir: z.string().min(1).optional(),
    host_name: z.string().min(1).optional(),
    queue: queueSchema.default({}),
    shutdown_timeout: duration.default(10_000),
    api: apiSchema,
    inputs: z.array(z.record(z.unknown())).min(1, 'at least one input is needed'),
    transforms: z.array(z.record(z.unknown())).default([]),
    outputs: z.array(z.record(z.unknown())).min(1, 'at least one output is needed'),
  })
  .strict();

export type PipelineSettings = Omit<z.output<typeof pipelineSchema>, 'inputs' | 'transforms' | 'outputs'>;
