import { hostname } from 'node:os';
import { join } from 'node:path';
import { Channel } from '../core/channel.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Metrics } from '../core/metrics.js';
import type { PipelineEvent } from '../core/record.js';
import type { Pipeline } from '../config/load.js';
import type { OutputBufferConfig } from '../config/pipeline-schema.js';
import type { Input, PluginContext } from '../plugins/types.js';
import { CheckpointStore } from '../state/checkpoint-store.js';
import { lockStateDir } from '../state/state-dir.js';
import { DiskBuffer } from './disk-buffer/disk-buffer.js';
import { OutputRunner } from './output-runner.js';
import { Router, route } from './router.js';
import { TransformChain, transformStage } from './transform-chain.js';

export interface RuntimeOptions {
  stateDir: string;
  logger: Logger;
  checkpointIntervalMs?: number;
}

/**
 * A running pipeline. Start order: outputs, router, inputs; stop order: inputs, drain, outputs,
 * final checkpoint — so checkpoints only ever cover records that were settled.
 */
export class PipelineRuntime {
  readonly metrics = new Metrics();
  private readonly inputs: Array<{ id: string; input: Input }> = [];
  private readonly runners: OutputRunner[] = [];
  private readonly source: Channel<PipelineEvent>;
  readonly router: Router;
  private readonly checkpoints: CheckpointStore;
  private readonly unlock: () => void;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly options: RuntimeOptions,
  ) {
    const { settings } = pipeline;
    this.unlock = lockStateDir(options.stateDir);
    try {
      this.checkpoints = new CheckpointStore(options.stateDir);
      if (this.checkpoints.corrupt) {
        const { movedTo, reason } = this.checkpoints.corrupt;
        options.logger.error({ moved_to: movedTo }, `state: ${reason}; moved it to ${movedTo} and starting over: inputs resume from the oldest logs still available (duplicates possible, nothing skipped)`);
        this.metrics.inc('checkpoint_corrupt_total', {});
      }
      const hostName = settings.host_name ?? process.env.NODE_NAME ?? hostname();
      const context = (id: string): PluginContext => ({
        id, hostName, stateDir: options.stateDir, checkpoints: this.checkpoints, metrics: this.metrics,
        logger: options.logger.child({ plugin: id }),
      });
      const queue = { maxRecords: settings.queue.max_records, maxBytes: settings.queue.max_bytes };
      const routes = pipeline.outputs.map((o) => {
        const batching = o.definition.batching(o.config);
        const bufferConfig = o.config.buffer as OutputBufferConfig | undefined;
        const buffer =
          bufferConfig?.type === 'disk'
            ? new DiskBuffer({
                id: o.id, dir: bufferConfig.path ?? join(options.stateDir, 'buffer', o.id), maxBytes: bufferConfig.max_bytes,
                whenFull: bufferConfig.when_full, checkpoints: this.checkpoints, logger: options.logger.child({ output: o.id }),
                metrics: this.metrics, replayRecords: batching.maxRecords,
              })
            : undefined;
        const runner = new OutputRunner({
          ...(buffer ? { buffer } : {}),
          id: o.id, output: o.definition.create(o.config, context(o.id)), maxBatchRecords: batching.maxRecords,
          lingerMs: batching.lingerMs, concurrentWrites: batching.concurrentWrites ?? 1, queue, logger: options.logger, metrics: this.metrics,
          deadLetterPath: typeof o.config.dead_letter_path === 'string' ? o.config.dead_letter_path : join(options.stateDir, 'dead-letter', `${o.id}.jsonl`),
        });
        this.runners.push(runner);
        return route(o.match, runner.queue);
      });
      this.source = new Channel(queue.maxRecords, queue.maxBytes);
      this.metrics.gauge('input_queue_records', {}, () => this.source.length);
      const stages = pipeline.transforms.map((t) => transformStage(t.id, t.match, t.definition.create(t.config, context(t.id))));
      this.router = new Router(this.source, routes, this.metrics, stages.length ? new TransformChain(stages) : undefined);
      for (const i of pipeline.inputs) this.inputs.push({ id: i.id, input: i.definition.create(i.config, context(i.id)) });
    } catch (err) {
      this.unlock();
      throw err;
    }
  }

  async start(): Promise<void> {
    // a state file from the first second on: a crash before the first periodic save must not make
    // the next start think it is the first run ever (and skip containers that ran meanwhile)
    this.checkpoints.flush();
    for (const runner of this.runners) runner.start();
    this.router.start();
    const sink = {
      offer: (event: PipelineEvent) => this.source.offer(event, event.bytes),
      waitForSpace: () => this.source.waitForSpace(),
    };
    for (const { input } of this.inputs) await input.start(sink);
    let checkpointErrors = 0;
    this.checkpoints.startPeriodicFlush(
      this.options.checkpointIntervalMs ?? 1000,
      (err) => {
        this.metrics.inc('checkpoint_errors_total', {});
        // once per failure streak: a full disk would otherwise log every second
        if (checkpointErrors++ === 0) this.options.logger.error(`cannot write checkpoints in ${this.options.stateDir}: ${errorMessage(err)}; the previous checkpoint file stays intact, retrying every second`);
      },
      () => {
        this.options.logger.info(`checkpoints written again after ${checkpointErrors} failed attempts`);
        checkpointErrors = 0;
      },
    );
    this.options.logger.info({ pipeline: this.pipeline.file, inputs: this.inputs.length, outputs: this.runners.length }, 'pipeline running');
  }

  /** Outputs and whether their deliveries currently succeed. */
  outputHealth(): Array<{ id: string; healthy: boolean }> {
    return this.runners.map((r) => ({ id: r.id, healthy: r.healthy }));
  }

  /** Graceful stop within the pipeline's shutdown_timeout. */
  async stop(): Promise<void> {
    const deadline = Date.now() + this.pipeline.settings.shutdown_timeout;
    const { logger } = this.options;
    try {
      await withDeadline(Promise.all(this.inputs.map(({ input }) => input.stop())), deadline);
      this.source.close();
      await withDeadline(this.router.drained(), deadline);
      await Promise.all(this.runners.map((r) => r.stop(deadline)));
    } catch (err) {
      logger.warn(`stopping: ${errorMessage(err)}`);
    } finally {
      this.checkpoints.stopPeriodicFlush();
      try {
        this.checkpoints.flush();
      } catch (err) {
        logger.error(`cannot write final checkpoints: ${errorMessage(err)}`);
      }
      this.unlock();
    }
    logger.info({ metrics: this.metrics.snapshot() }, 'pipeline stopped');
  }
}

async function withDeadline<T>(promise: Promise<T>, deadline: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
