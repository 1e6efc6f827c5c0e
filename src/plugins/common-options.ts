import { z } from 'zod';
import { tagGlobProblem } from '../core/tag-match.js';
import { byteSizeIn, MiB, TiB } from './options/units.js';
import type { Batching, OutputDefinition } from './types.js';

/**
 * The keys every plugin entry accepts besides its own options, and the output's common keys
 * parsed into one typed object (OutputCommon): the runtime reads that, never options by name.
 */

export const pluginId = z
  .string()
  .regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, "_" and "-" only')
  .describe('Unique name of this plugin in the pipeline; keys its checkpoints and metrics. Default: TYPE_INDEX, e.g. file_0.');

export const tagGlob = z
  .string()
  .superRefine((glob, ctx) => {
    const problem = tagGlobProblem(glob);
    if (problem) ctx.addIssue({ code: z.ZodIssueCode.custom, message: `tag glob "${glob}" ${problem}` });
  });

/** Keys every input entry accepts besides its own options. */
export const inputCommonKeys = {
  type: z.string(),
  id: pluginId.optional(),
};

/** Keys every output entry accepts besides its own options. */
export const outputCommonKeys = {
  type: z.string(),
  id: pluginId.optional(),
  match: tagGlob.default('**').describe('Tag glob selecting the records this output receives: "*" matches one dot-separated part, "**" any number.'),
  dead_letter_path: z
    .string()
    .min(1)
    .optional()
    .describe('JSON-lines file for records this output rejects for good (too large, not allowed, impossible to render), each with the reason. Default: STATE_DIR/dead-letter/ID.jsonl.'),
  buffer: z
    .object({
      type: z.enum(['memory', 'disk']).default('memory').describe('memory: the bounded queue only (default). disk: a checksummed write-ahead spool, so a slow or down output does not stall the inputs.'),
      max_bytes: byteSizeIn({ min: MiB, max: TiB }).default(256 * 1024 * 1024).describe('Most bytes of spool on disk (e.g. 1GiB).'),
      path: z.string().min(1).optional().describe('Folder of the spool. Default: STATE_DIR/buffer/ID.'),
      when_full: z.enum(['block', 'drop_newest']).default('block').describe('block: stop taking records (the inputs pause; Docker keeps the logs). drop_newest: drop what does not fit, counted in buffer_dropped_total.'),
    })
    .strict()
    .optional()
    .describe('Where records wait for this output: { type: memory | disk, max_bytes: 256MiB, path: STATE_DIR/buffer/ID, when_full: block | drop_newest }. disk: a checksummed write-ahead spool that acknowledges records once fsynced, so a slow or down output does not stall the inputs (docs/delivery-guarantees.md).'),
};

export type OutputBufferConfig = z.output<NonNullable<typeof outputCommonKeys.buffer>>;

/** Keys every transform entry accepts besides its own options. */
export const transformCommonKeys = {
  type: z.string(),
  id: pluginId.optional(),
  match: tagGlob.default('**').describe('Tag glob selecting the records this transform changes; the others pass by untouched.'),
};

/**
 * One batching vocabulary across outputs: `batch_max_records` (records per batch taken from the
 * queue), `batch_max_bytes` (bytes per request) and `linger` (how long a batch waits to fill up).
 * Older names are accepted, with a warning, where an output has the new key and not the old one.
 */
export const BATCHING_ALIASES: Readonly<Record<string, string>> = {
  batch_max_docs: 'batch_max_records',
  max_batch_records: 'batch_max_records',
  flush_interval: 'linger',
};

/** The deprecated names an output's options accept, each with its new name. */
export function batchingAliases(schema: z.AnyZodObject): Array<[string, string]> {
  const shape = schema.shape as Record<string, unknown>;
  return Object.entries(BATCHING_ALIASES).filter(([old, key]) => key in shape && !(old in shape));
}

/** The common keys of one output, parsed: where its records wait, where rejected ones go, how they are batched. */
export interface OutputCommon {
  /** Tag glob of the records this output receives. */
  match: string;
  /** The dead-letter file, when the pipeline names one (default: STATE_DIR/dead-letter/ID.jsonl). */
  deadLetterPath: string | undefined;
  buffer: OutputBufferConfig | undefined;
  batching: Batching;
}

type OutputCommonConfig = z.output<z.ZodObject<typeof outputCommonKeys>>;

/** An output entry's common keys, from its options as the loader validated them (with outputCommonKeys). */
export function outputCommon(definition: OutputDefinition, config: Record<string, unknown>): OutputCommon {
  const { match, dead_letter_path: deadLetterPath, buffer } = config as OutputCommonConfig;
  return { match, deadLetterPath, buffer, batching: definition.batching(config) };
}
