import { hostname } from 'node:os';
import { join } from 'node:path';
import { InFlight } from '../core/ack.js';
import { Channel } from '../core/channel.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { Metrics } from '../core/metrics.js';
import type { PipelineEvent } from '../core/record.js';
import type { ConfiguredInput, ConfiguredOutput, ConfiguredTransform, Pipeline } from '../config/load.js';
import type { HealthCheck, Input, PluginContext, RecordSink } from '../plugins/types.js';
import { CheckpointStore } from '../state/checkpoint-store.js';
import { lockStateDir } from '../state/state-dir.js';
import { DiskBuffer } from './disk-buffer/disk-buffer.js';
import { OutputRunner } from './output-runner.js';
import { describePlan, isEmptyPlan, planReload, type ReloadPlan } from './reload-plan.js';
import { Router, route } from './router.js';
import { TransformChain, transformStage } from './transform-chain.js';
import { TransformFailures } from './transform-failures.js';
import { METRIC } from '../core/metric-names.js';

export interface RuntimeOptions {
  stateDir: string;
  logger: Logger;
  checkpointIntervalMs?: number;
}

interface RunningInput {
  configured: ConfiguredInput;
  input: Input;
  /** Its records not yet settled: a reload waits for them before a successor resumes from the checkpoint. */
  inFlight: InFlight;
}

interface RunningOutput {
  configured: ConfiguredOutput;
  runner: OutputRunner;
  /** Outlives runners: a reload that changes the output hands the queue to the new one. */
  queue: Channel<PipelineEvent>;
}

export interface ReloadResult {
  plan: ReloadPlan;
  /** Plugins whose new configuration could not be started; they run on with their previous one. */
  failed: Array<{ id: string; reason: string }>;
}

/**
 * A running pipeline. Start order: outputs, router, inputs; stop order: inputs, drain, outputs,
 * final checkpoint — so checkpoints only ever cover records that were settled. A reload swaps
 * only the plugins whose configuration changed.
 */
export class PipelineRuntime {
  readonly metrics = new Metrics();
  private readonly inputs = new Map<string, RunningInput>();
  private readonly outputs = new Map<string, RunningOutput>();
  private readonly source: Channel<PipelineEvent>;
  readonly router: Router;
  private readonly checkpoints: CheckpointStore;
  private readonly unlock: () => void;
  private readonly hostName: string;
  private started = false;
  private readonly transformFailures: TransformFailures;

  constructor(
    private pipeline: Pipeline,
    private readonly options: RuntimeOptions,
  ) {
    const { settings } = pipeline;
    this.unlock = lockStateDir(options.stateDir);
    try {
      this.checkpoints = new CheckpointStore(options.stateDir);
      if (this.checkpoints.corrupt) {
        const { movedTo, reason } = this.checkpoints.corrupt;
        options.logger.error({ moved_to: movedTo }, `state: ${reason}; moved it to ${movedTo} and starting over: inputs resume from the oldest logs still available (duplicates possible, nothing skipped)`);
        this.metrics.inc(METRIC.CHECKPOINT_CORRUPT_TOTAL, {});
      }
      this.hostName = settings.host_name ?? process.env.NODE_NAME ?? hostname();
      for (const o of pipeline.outputs) {
        const queue = new Channel<PipelineEvent>(settings.queue.max_records, settings.queue.max_bytes);
        this.outputs.set(o.id, { configured: o, queue, runner: this.createRunner(o, queue) });
      }
      this.source = new Channel(settings.queue.max_records, settings.queue.max_bytes);
      this.metrics.gauge(METRIC.INPUT_QUEUE_RECORDS, {}, () => this.source.length);
      this.transformFailures = new TransformFailures(join(options.stateDir, 'dead-letter', 'transforms.jsonl'), options.logger, this.metrics);
      this.router = new Router(this.source, this.routes(pipeline.outputs), this.metrics, this.createChain(pipeline.transforms), this.transformFailures);
      for (const i of pipeline.inputs) this.inputs.set(i.id, { configured: i, inFlight: new InFlight(), input: i.definition.create(i.config, this.context(i.id)) });
    } catch (err) {
      this.unlock();
      throw err;
    }
  }

  async start(): Promise<void> {
    // a state file from the first second on: a crash before the first periodic save must not make
    // the next start think it is the first run ever (and skip containers that ran meanwhile)
    this.checkpoints.flush();
    for (const { runner } of this.outputs.values()) runner.start();
    this.router.start();
    for (const running of this.inputs.values()) await running.input.start(this.sinkFor(running.inFlight));
    this.started = true;
    let checkpointErrors = 0;
    this.checkpoints.startPeriodicFlush(
      this.options.checkpointIntervalMs ?? 1000,
      (err) => {
        this.metrics.inc(METRIC.CHECKPOINT_ERRORS_TOTAL, {});
        // once per failure streak: a full disk would otherwise log every second
        if (checkpointErrors++ === 0) this.options.logger.error(`cannot write checkpoints in ${this.options.stateDir}: ${errorMessage(err)}; the previous checkpoint file stays intact, retrying every second`);
      },
      () => {
        this.options.logger.info(`checkpoints written again after ${checkpointErrors} failed attempts`);
        checkpointErrors = 0;
      },
    );
    this.options.logger.info({ pipeline: this.pipeline.file, inputs: this.inputs.size, outputs: this.outputs.size }, 'pipeline running');
  }

  /** Outputs and whether their deliveries currently succeed. */
  outputHealth(): Array<{ id: string; healthy: boolean }> {
    return [...this.outputs.values()].map(({ runner }) => ({ id: runner.id, healthy: runner.healthy }));
  }

  /** What the inputs depend on (their plugins' healthcheck()), for /readyz. */
  healthChecks(): HealthCheck[] {
    return [...this.inputs.values()].flatMap(({ configured: { definition, config } }) => (definition.healthcheck ? [definition.healthcheck(config)] : []));
  }

  /**
   * Applies a newly loaded pipeline: plugins whose type and options are unchanged keep running
   * (their connections, queues, checkpoints and buffers untouched); changed ones are replaced,
   * taking over their predecessor's queue (outputs) or checkpoint (inputs); removed ones stop.
   * Top-level settings apply at the next start only. Each step waits at most shutdown_timeout.
   */
  async reload(next: Pipeline): Promise<ReloadResult> {
    const plan = planReload(this.pipeline, next);
    const failed: ReloadResult['failed'] = [];
    if (!this.started) throw new Error('the pipeline is not running yet');
    if (isEmptyPlan(plan)) {
      this.pipeline = { ...next, settings: this.pipeline.settings };
      return { plan, failed };
    }
    const { logger } = this.options;
    const deadline = Date.now() + this.pipeline.settings.shutdown_timeout;
    // what can fail is built before anything running is touched
    const chain = plan.transformsChanged ? this.createChain(next.transforms) : undefined;

    for (const o of plan.outputs.added) {
      const queue = new Channel<PipelineEvent>(this.pipeline.settings.queue.max_records, this.pipeline.settings.queue.max_bytes);
      const runner = this.createRunner(o, queue);
      this.outputs.set(o.id, { configured: o, queue, runner });
      runner.start();
    }
    for (const { after } of [...plan.outputs.kept, ...plan.outputs.changed]) {
      const running = this.outputs.get(after.id);
      if (running) running.configured = after;
    }
    this.router.setRoutes(this.routes(next.outputs));
    if (plan.transformsChanged) this.router.setTransforms(chain);

    await Promise.all([
      ...plan.outputs.changed.map(async ({ before, after }) => {
        const running = this.outputs.get(after.id);
        if (!running) return;
        const handedBack = await running.runner.handOver(deadline);
        const oldSpool = this.bufferDir(before);
        if (oldSpool && oldSpool !== this.bufferDir(after)) {
          logger.warn({ output: after.id, spool: oldSpool }, `reload: output ${after.id} no longer uses the disk buffer in ${oldSpool}; records still spooled there are replayed only when an output with this id uses that buffer again`);
        }
        if (running.runner.stuckWrites) logger.warn({ output: after.id }, `reload: ${running.runner.stuckWrites} records were still being written by the previous ${after.id} at the deadline; they settle if that write ends`);
        running.runner = this.replaceWith(after, before, running.queue, failed);
        running.runner.start();
        logger.info({ output: after.id, handed_back: handedBack }, `reload: output ${after.id} restarted with its new configuration`);
      }),
      ...plan.outputs.removed.map(async (o) => {
        const running = this.outputs.get(o.id);
        if (!running) return;
        this.outputs.delete(o.id);
        await running.runner.stop(deadline);
        const left = running.runner.abandon();
        // the user removed the output: what only it was still to deliver is dropped, counted and said
        for (const event of left) event.ack.settle('dropped');
        if (left.length) {
          this.metrics.inc(METRIC.RELOAD_DROPPED_RECORDS_TOTAL, { output: o.id }, left.length);
          logger.warn({ output: o.id, dropped: left.length }, `reload: output ${o.id} removed; ${left.length} records it had not delivered by shutdown_timeout were dropped`);
        }
        this.metrics.removeGauges('output', o.id);
      }),
      ...plan.inputs.changed.map(async ({ before, after }) => {
        await this.stopInput(before.id, deadline);
        this.startInput(after, before, failed);
      }),
      ...plan.inputs.removed.map((i) => this.stopInput(i.id, deadline)),
    ]);
    for (const i of plan.inputs.added) this.startInput(i, undefined, failed);

    this.pipeline = { ...next, settings: this.pipeline.settings };
    logger.info({ pipeline: next.file }, `reload applied: ${describePlan(plan)}`);
    return { plan, failed };
  }

  /** Graceful stop within the pipeline's shutdown_timeout. */
  async stop(): Promise<void> {
    const deadline = Date.now() + this.pipeline.settings.shutdown_timeout;
    const { logger } = this.options;
    try {
      await withDeadline(Promise.all([...this.inputs.values()].map(({ input }) => input.stop())), deadline);
      this.source.close();
      await withDeadline(this.router.drained(), deadline);
      await Promise.all([...this.outputs.values()].map(({ runner }) => runner.stop(deadline)));
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

  /** Stops an input and waits (until the deadline) for its records to settle, so its checkpoint is final. */
  private async stopInput(id: string, deadline: number): Promise<void> {
    const running = this.inputs.get(id);
    if (!running) return;
    this.inputs.delete(id);
    await withDeadline(running.input.stop(), deadline);
    await withDeadline(running.inFlight.idle(), deadline);
    if (running.inFlight.size) {
      this.options.logger.warn({ input: id, unsettled: running.inFlight.size }, `reload: ${running.inFlight.size} records of input ${id} were not delivered by shutdown_timeout; its successor may read them again (at-least-once)`);
    }
  }

  private startInput(after: ConfiguredInput, before: ConfiguredInput | undefined, failed: ReloadResult['failed']): void {
    const create = (c: ConfiguredInput): RunningInput => ({ configured: c, inFlight: new InFlight(), input: c.definition.create(c.config, this.context(c.id)) });
    let running: RunningInput;
    try {
      running = create(after);
    } catch (err) {
      failed.push({ id: after.id, reason: errorMessage(err) });
      if (!before) return;
      running = create(before);
    }
    this.inputs.set(running.configured.id, running);
    running.input.start(this.sinkFor(running.inFlight)).catch((err: unknown) => {
      failed.push({ id: after.id, reason: errorMessage(err) });
      this.options.logger.error({ input: after.id }, `reload: input ${after.id} did not start: ${errorMessage(err)}`);
    });
  }

  private replaceWith(after: ConfiguredOutput, before: ConfiguredOutput, queue: Channel<PipelineEvent>, failed: ReloadResult['failed']): OutputRunner {
    try {
      return this.createRunner(after, queue);
    } catch (err) {
      failed.push({ id: after.id, reason: errorMessage(err) });
      this.options.logger.error({ output: after.id }, `reload: output ${after.id} cannot start with its new configuration (${errorMessage(err)}); it keeps the previous one`);
      const running = this.outputs.get(after.id);
      if (running) running.configured = before;
      return this.createRunner(before, queue);
    }
  }

  private sinkFor(inFlight: InFlight): RecordSink {
    return {
      offer: (event: PipelineEvent) => {
        inFlight.track(event.ack);
        return this.router.routeNow(event) || this.source.offer(event, event.bytes);
      },
      waitForSpace: () => this.source.waitForSpace(),
    };
  }

  private context(id: string): PluginContext {
    return {
      id, hostName: this.hostName, stateDir: this.options.stateDir, checkpoints: this.checkpoints, metrics: this.metrics,
      logger: this.options.logger.child({ plugin: id }),
    };
  }

  private routes(outputs: readonly ConfiguredOutput[]): ReturnType<typeof route>[] {
    return outputs.flatMap((o) => {
      const running = this.outputs.get(o.id);
      return running ? [route(o.match, running.queue)] : [];
    });
  }

  private createChain(transforms: readonly ConfiguredTransform[]): TransformChain | undefined {
    const stages = transforms.map((t) => transformStage(t.id, t.match, t.definition.create(t.config, this.context(t.id))));
    return stages.length ? new TransformChain(stages, this.transformFailures.fail, this.transformFailures.stageError) : undefined;
  }

  /** The spool folder of an output with a disk buffer. */
  private bufferDir(o: ConfiguredOutput): string | undefined {
    const config = o.common.buffer;
    return config?.type === 'disk' ? (config.path ?? join(this.options.stateDir, 'buffer', o.id)) : undefined;
  }

  private createRunner(o: ConfiguredOutput, queue: Channel<PipelineEvent>): OutputRunner {
    const { stateDir, logger } = this.options;
    const { batching, buffer: bufferConfig, deadLetterPath } = o.common;
    const dir = this.bufferDir(o);
    const buffer =
      bufferConfig && dir
        ? new DiskBuffer({
            id: o.id, dir, maxBytes: bufferConfig.max_bytes,
            whenFull: bufferConfig.when_full, checkpoints: this.checkpoints, logger: logger.child({ output: o.id }),
            metrics: this.metrics, replayRecords: batching.maxRecords,
          })
        : undefined;
    return new OutputRunner({
      ...(buffer ? { buffer } : {}),
      id: o.id, output: o.definition.create(o.config, this.context(o.id)), maxBatchRecords: batching.maxRecords,
      lingerMs: batching.lingerMs, concurrentWrites: batching.concurrentWrites ?? 1, handOverAfterWrites: batching.handOverAfterWrites ?? false, queue, logger, metrics: this.metrics,
      deadLetterPath: deadLetterPath ?? join(stateDir, 'dead-letter', `${o.id}.jsonl`),
    });
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
