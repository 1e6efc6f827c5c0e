import { Ack } from '../../core/ack.js';
import { Backoff, sleep } from '../../core/backoff.js';
import { LogshipError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Counter, Metrics } from '../../core/metrics.js';
import type { ContainerMeta, LogRecord } from '../../core/record.js';
import { deepFreeze } from '../../core/record-json.js';
import { nowTimestamp } from '../../core/timestamp.js';
import type { Backpressure } from '../../plugins/backpressure.js';
import type { FrameStream } from '../../services/docker-frames.js';
import type { DockerService } from '../../services/docker.js';
import { pumpExecStream } from '../docker/exec-stream.js';
import { containerKubernetes, containerMetaBytes, containerTag } from '../docker/container-meta.js';
import { ByteLineSplitter } from '../docker/line-splitter.js';
import { displayCommand, execCommand, execNotice } from './exec-script.js';
import { firstRunAt, nextRunAt } from './schedule.js';
import type { DockerExecConfig } from './schema.js';
import { METRIC } from '../../core/metric-names.js';

export interface ExecContext {
  /** The input's `tag` template, when it has one. */
  tagTemplate?: (record: LogRecord) => string;
  docker: DockerService;
  /** Where records go; pauses the exec's output while the pipeline is full. */
  sink: Backpressure;
  config: DockerExecConfig;
  intervalMs: number;
  timeoutMs: number;
  inputId: string;
  host: { readonly name: string };
  logger: Logger;
  metrics: Metrics;
  records: Counter;
  signal: AbortSignal;
  /** Reports, once per container start, that the image lacks `sh` or the command. */
  missingTool: (containerId: string, tool: string) => void;
}

/** How one run ended. */
interface RunResult {
  exitCode: number | null;
  durationMs: number;
  timedOut: boolean;
  /** The exec never got going: no sh, no command, or the container is not running. */
  notStarted: boolean;
}

const LIVED_LONG_MS = 60_000;
const CONTAINER_STOPPED = 137;
const MISSING = new Set([126, 127]);

/**
 * Runs the configured command in one container, one exec at a time: kept running (re-run with
 * backoff when it exits) or started every interval. Ends when the container stops or the input
 * stops; a container restart starts it again.
 */
export class ExecSession {
  private loop: Promise<void> | undefined;
  private disabled = false;
  private stopping = new AbortController();
  private readonly command: string;
  private readonly execField: { command: string };
  private tag: string;
  private readonly execCreated: Counter;
  /** Epoch ms of the last run's start (interval mode), kept in the checkpoint to keep the rhythm. */
  lastStartedAt: number | undefined;

  constructor(
    private readonly containerId: string,
    private meta: ContainerMeta,
    restoredLastStart: number | undefined,
    private readonly ctx: ExecContext,
  ) {
    this.lastStartedAt = restoredLastStart;
    this.command = displayCommand(ctx.config.command);
    this.execField = deepFreeze({ command: this.command });
    this.tag = containerTag('exec', meta.name);
    this.execCreated = ctx.metrics.counter(METRIC.EXEC_CREATED_TOTAL, { input: ctx.inputId, container: containerId.slice(0, 12) });
  }

  get image(): string {
    return this.meta.image.name;
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  /** (Re)starts the session; after a container restart a missing tool is looked for again. */
  start(containerRestarted: boolean): void {
    if (containerRestarted) this.disabled = false;
    if (this.loop && !this.stopping.signal.aborted) return;
    // a stop still under way (die, then start at once: `docker restart`) finishes first
    const previous = this.loop ?? Promise.resolve();
    this.stopping = new AbortController();
    const signal = AbortSignal.any([this.ctx.signal, this.stopping.signal]);
    const body = (): Promise<void> => (this.ctx.config.mode === 'interval' ? this.runEveryInterval(signal) : this.keepRunning(signal));
    const loop: Promise<void> = previous.then(body).finally(() => {
      if (this.loop === loop) this.loop = undefined;
    });
    this.loop = loop;
  }

  updateMeta(meta: ContainerMeta): void {
    this.meta = meta;
    this.tag = containerTag('exec', meta.name);
  }

  /** Ends stdin: the wrapper stops the command. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
  }

  private async keepRunning(signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(1000, 60_000);
    while (!signal.aborted && !this.disabled) {
      const result = await this.runOnce(signal, undefined);
      if (signal.aborted || this.disabled || result.exitCode === CONTAINER_STOPPED) return;
      if (result.durationMs > LIVED_LONG_MS) backoff.reset();
      await sleep(backoff.nextDelayMs(), signal);
    }
  }

  private async runEveryInterval(signal: AbortSignal): Promise<void> {
    const interval = this.ctx.intervalMs;
    let at = firstRunAt(this.lastStartedAt, Date.now(), interval);
    const retry = new Backoff(1000, Math.min(60_000, interval));
    while (!signal.aborted && !this.disabled) {
      await sleep(at - Date.now(), signal);
      if (signal.aborted) return;
      const startedAt = Date.now();
      this.lastStartedAt = startedAt;
      const result = await this.runOnce(signal, this.ctx.timeoutMs);
      if (signal.aborted || this.disabled || result.exitCode === CONTAINER_STOPPED) return;
      if (result.notStarted) {
        // the daemon was unreachable or busy: try again soon, not at the next slot
        at = Date.now() + retry.nextDelayMs();
        continue;
      }
      retry.reset();
      const next = nextRunAt(startedAt, Date.now(), interval);
      if (next.skipped) {
        this.ctx.metrics.inc(METRIC.EXEC_RUNS_SKIPPED_TOTAL, { input: this.ctx.inputId }, next.skipped);
        this.ctx.logger.warn(this.logFields(), `docker_exec: run took longer than the interval; skipped ${next.skipped} run(s) so that runs never overlap`);
      }
      at = next.at;
    }
  }

  private async runOnce(signal: AbortSignal, timeoutMs: number | undefined): Promise<RunResult> {
    const startedAt = Date.now();
    const result: RunResult = { exitCode: null, durationMs: 0, timedOut: false, notStarted: true };
    let execId: string | undefined;
    let started = false;
    let timer: NodeJS.Timeout | undefined;
    try {
      const exec = await this.ctx.docker.startExec(this.containerId, execCommand(this.ctx.config.command));
      execId = exec.execId;
      this.execCreated.inc();
      if (timeoutMs !== undefined) {
        timer = setTimeout(() => {
          result.timedOut = true;
          // EOF on stdin: the wrapper sends TERM, then KILL
          exec.stream.end();
        }, timeoutMs);
      }
      await pumpExecStream(exec.stream, signal, this.ctx.sink, this.frameHandler(() => (started = true)));
    } catch (err) {
      if (!(err instanceof LogshipError && !err.retriable)) this.ctx.logger.debug(this.logFields(), `docker_exec: ${errorMessage(err)}`);
    } finally {
      clearTimeout(timer);
    }
    result.durationMs = Date.now() - startedAt;
    if (execId === undefined) return result;
    result.exitCode = await this.ctx.docker.execExitCode(execId).catch(() => null);
    result.notStarted = !started;
    if (!started && result.exitCode !== null && MISSING.has(result.exitCode) && !this.disabled) {
      this.disabled = true;
      this.ctx.missingTool(this.containerId, 'sh');
    }
    if (started && !signal.aborted) this.recordExit(result);
    return result;
  }

  /**
   * Splits each stream into lines. Before the wrapper's marker, stdout is the runtime's (an image
   * without sh), never the command's. stderr is the command's only, but Docker may deliver it
   * before the marker (stdout and stderr are copied independently), so it is never held back.
   */
  private frameHandler(onStarted: () => void): (kind: FrameStream, payload: Buffer) => boolean {
    const { max_line_bytes: maxLineBytes, streams } = this.ctx.config;
    const splitters = { stdout: new ByteLineSplitter(maxLineBytes), stderr: new ByteLineSplitter(maxLineBytes) };
    let started = false;
    return (kind, payload) => {
      let room = true;
      splitters[kind].push(payload, (line) => {
        if (!started && kind === 'stdout') {
          const notice = execNotice(line.text);
          if (notice?.kind === 'started') {
            started = true;
            onStarted();
          } else if (notice?.kind === 'missing') {
            this.disabled = true;
            this.ctx.missingTool(this.containerId, notice.tool);
          } else {
            this.ctx.logger.debug(this.logFields(), `docker_exec: ${line.text}`);
          }
          return;
        }
        if (!streams.includes(kind)) return;
        if (!this.emit(this.record(line.text, kind, line.originalBytes))) room = false;
      });
      return room;
    };
  }

  private recordExit(result: RunResult): void {
    const code = result.exitCode;
    const labels = { input: this.ctx.inputId, exit_code: String(code ?? 'unknown') };
    this.ctx.metrics.inc(METRIC.EXEC_EXITS_TOTAL, labels);
    const how = result.timedOut ? `timed out after ${result.durationMs} ms and was stopped` : `exited with code ${code ?? 'unknown'} after ${result.durationMs} ms`;
    const quiet = code === 0 || (code === CONTAINER_STOPPED && !result.timedOut);
    this.ctx.logger[quiet ? 'debug' : 'warn']({ ...this.logFields(), exit_code: code }, `docker_exec: ${this.command} ${how}`);
    if (!this.ctx.config.exit_records) return;
    const record = this.record(`${this.command} ${how}`, code === 0 ? 'stdout' : 'stderr');
    record.exec = { command: this.command, exit_code: code, duration_ms: result.durationMs, ...(result.timedOut ? { timed_out: true } : {}) };
    this.emit(record);
  }

  private record(text: string, stream: FrameStream, originalBytes?: number): LogRecord {
    const record: LogRecord = {
      '@timestamp': nowTimestamp(),
      message: text,
      stream,
      source: 'exec',
      tag: this.tag,
      container: this.meta,
      host: this.ctx.host,
    };
    // after host, as docker_logs puts it
    const pod = containerKubernetes(this.meta);
    if (pod) record.kubernetes = pod;
    record.exec = this.execField;
    if (originalBytes !== undefined) record.log = { truncated: true, original_bytes: originalBytes };
    if (this.ctx.tagTemplate) record.tag = this.ctx.tagTemplate(record);
    return record;
  }

  /** Command output has no position to resume from: an ack only settles the record. */
  private emit(record: LogRecord): boolean {
    this.ctx.records.inc();
    return this.ctx.sink.offer({ record, ack: new Ack(ignoreSettlement), bytes: record.message.length + 300 + containerMetaBytes(this.meta) });
  }

  private logFields(): Record<string, string> {
    return { container: this.containerId.slice(0, 12), name: this.meta.name };
  }
}

function ignoreSettlement(): void {}
