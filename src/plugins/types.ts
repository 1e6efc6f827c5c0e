import type { z } from 'zod';
import type { Logger } from '../core/logger.js';
import type { PipelineEvent } from '../core/record.js';
import type { CheckpointStore } from '../state/checkpoint-store.js';
import type { Metrics } from '../core/metrics.js';

export interface PluginExample {
  title: string;
  /** A complete pipeline file that uses the plugin; every example is validated by the test suite. */
  pipeline: string;
}

interface PluginDefinitionBase<Schema extends z.AnyZodObject> {
  type: string;
  summary: string;
  /** Plugin options (without the common keys `type`, `id` and `match`), strict, with defaults. */
  schema: Schema;
  examples: PluginExample[];
  /** Path of the plugin's documentation page, relative to the repository root. */
  docs: string;
  /** Rules across options that a schema cannot state; each problem names the option at fault. */
  check?(config: z.output<Schema>): Array<{ key: string; message: string }>;
}

export interface PluginContext {
  /** Unique per pipeline: the `id` key, or `<type>_<index>`. */
  id: string;
  logger: Logger;
  hostName: string;
  stateDir: string;
  checkpoints: CheckpointStore;
  metrics: Metrics;
}

/** Where inputs put records. `offer` never blocks; false means "pause your source until waitForSpace()". */
export interface RecordSink {
  offer(event: PipelineEvent): boolean;
  waitForSpace(): Promise<void>;
}

export interface Input {
  start(sink: RecordSink): Promise<void>;
  /** Stops reading; records already emitted keep flowing and settling. */
  stop(): Promise<void>;
}

/** One record of a batch that was not delivered. */
export interface ItemFailure {
  /** Position in the batch passed to write(). */
  index: number;
  /** true: send it again later; false: it can never be delivered (goes to the dead-letter file). */
  retriable: boolean;
  code: string;
  reason: string;
}

/** Which try a write() is: 1 for a batch's first, then its retries (only the records that failed). */
export interface WriteAttempt {
  attempt: number;
}

export interface Output {
  /**
   * Writes a batch durably. Resolves when every record not listed in `failures` is delivered;
   * throwing a LogshipError fails the whole batch (retried or dead-lettered by its `retriable`).
   */
  write(batch: readonly PipelineEvent[], attempt?: WriteAttempt): Promise<{ failures: ItemFailure[] } | void>;
  close(): Promise<void>;
}

/** Something a plugin depends on whose health /readyz reports, e.g. the Docker daemon an input reads. */
export interface HealthCheck {
  /** What /readyz lists it under. */
  kind: 'docker';
  /** Its key there, e.g. the endpoint (credentials in URLs are masked); checks of one kind and name are probed once. */
  name: string;
  /** Resolves when healthy; rejects with the reason otherwise. */
  probe(): Promise<void>;
}

export interface InputDefinition<Schema extends z.AnyZodObject = z.AnyZodObject> extends PluginDefinitionBase<Schema> {
  kind: 'input';
  create(config: z.output<Schema>, context: PluginContext): Input;
  /** Optional: what this input depends on, for /readyz (the docker inputs: their Docker daemon). */
  healthcheck?(config: z.output<Schema>): HealthCheck;
}

/** How the runtime batches an output's records (from the output's batching options). */
export interface Batching {
  maxRecords: number;
  lingerMs: number;
  concurrentWrites?: number;
  /**
   * A reload that replaces this output waits for its writes to end, past shutdown_timeout, before
   * the successor starts: a write that ended after the successor started could settle nothing
   * (kafka exactly_once: its records would be behind positions the successor committed).
   */
  handOverAfterWrites?: boolean;
}

export interface OutputDefinition<Schema extends z.AnyZodObject = z.AnyZodObject> extends PluginDefinitionBase<Schema> {
  kind: 'output';
  /**
   * Batching the runtime applies before calling write(). `concurrentWrites` (default 1): how many
   * batches may be in write() at once. Whatever the number, the output runner guarantees
   * (src/pipeline/output-contract.test.ts checks it against the real runner, with the concurrency
   * of every registered output), so an output may rely on it instead of enforcing it again:
   * - first attempts (`attempt` 1) are called in the order the batches were taken from the queue:
   *   write() for a batch is called before write() for any later batch (they may then overlap);
   * - at most `concurrentWrites` batches are in write() at once, and a record is in one at a time;
   * - a retry (`attempt` 2 and more) carries only the records that failed retriably, in their
   *   order, and is called only once every earlier batch is settled (delivered or dead-lettered).
   * Across overlapping first attempts an output keeps whatever order it promises itself (kafka:
   * per partition, see outputs/kafka/lane-order.ts).
   */
  batching(config: z.output<Schema>): Batching;
  create(config: z.output<Schema>, context: PluginContext): Output;
}

/** Passes an event on to the next transform, or to the outputs. */
export type Emit = (event: PipelineEvent) => void;

/**
 * A transform sees the events whose tag its `match` accepts, in pipeline order. It passes each on
 * (changed or not) through `emit`, or drops it — then it must settle its ack as 'dropped'.
 */
export interface Transform {
  process(event: PipelineEvent, emit: Emit): void;
  /** Called a few times a second: emits what was held back long enough (multiline buffers). */
  tick?(now: number, emit: Emit): void;
  /** At stop: emits everything held back. */
  drain?(emit: Emit): void;
}

export interface TransformDefinition<Schema extends z.AnyZodObject = z.AnyZodObject> extends PluginDefinitionBase<Schema> {
  kind: 'transform';
  create(config: z.output<Schema>, context: PluginContext): Transform;
}

export type PluginKind = 'input' | 'transform' | 'output';

export type PluginDefinition = InputDefinition | TransformDefinition | OutputDefinition;

export function defineInput<Schema extends z.AnyZodObject>(definition: InputDefinition<Schema>): InputDefinition {
  return definition as unknown as InputDefinition;
}

export function defineOutput<Schema extends z.AnyZodObject>(definition: OutputDefinition<Schema>): OutputDefinition {
  return definition as unknown as OutputDefinition;
}

export function defineTransform<Schema extends z.AnyZodObject>(definition: TransformDefinition<Schema>): TransformDefinition {
  return definition as unknown as TransformDefinition;
}
