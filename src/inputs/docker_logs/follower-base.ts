import { type Backoff, sleep } from '../../core/backoff.js';
import { errorMessage, isRetriable, type LogshipError } from '../../core/errors.js';
import type { ContainerMeta } from '../../core/record.js';
import type { ContainerInfo } from '../../services/docker.js';
import { containerMeta, containerTag } from '../docker/container-meta.js';
import type { ContainerCheckpoint } from './checkpoint.js';
import { ContainerLines } from './container-lines.js';
import type { FollowerContext, KickReason } from './follower-context.js';
import { METRIC } from '../../core/metric-names.js';

export const EPOCH = '1970-01-01T00:00:00.000000000Z';

/**
 * What both readers of a container share: the read loop's life cycle, where reading starts, the
 * container's lines and metadata, failure reporting.
 */
export abstract class FollowerBase {
  protected readonly lines: ContainerLines;
  protected wanted = false;
  protected loop: Promise<void> | undefined;
  /** Where reading starts when nothing has been read yet in this run. */
  protected baseSince: string | undefined;
  /** Set when a listing found the container; see worthReading(). */
  protected discoveredAfter: number | undefined;
  private failing = false;

  constructor(
    readonly id: string,
    protected readonly ctx: FollowerContext,
    protected readonly restored: ContainerCheckpoint | undefined,
  ) {
    this.lines = new ContainerLines(id, ctx, restored);
  }

  get pendingRecords(): number {
    return this.lines.pendingRecords;
  }

  /** Asks for a read cycle: follow while it runs, read what is left when it stopped. */
  kick(reason: KickReason = {}): void {
    this.wanted = true;
    this.noteKick(reason);
    this.baseSince ??= this.restored?.since ?? (reason.initial ? this.ctx.firstSince() : EPOCH);
    // an event is news about this container: it overrides a listing's "history" judgement
    this.discoveredAfter = reason.discoveredAfter;
    this.loop ??= this.run(reason).finally(() => {
      this.loop = undefined;
    });
  }

  get idle(): boolean {
    return this.loop === undefined;
  }

  /** Re-reads metadata (after a rename), without disturbing what is being read. */
  async refresh(): Promise<void> {
    try {
      this.apply(await this.ctx.docker.inspect(this.id));
    } catch {
      // the read loop notices a gone container on its own
    }
  }

  /** What a reader keeps of a kick besides wanting a cycle. */
  protected noteKick(_reason: KickReason): void {}

  protected abstract run(firstReason: KickReason): Promise<void>;

  protected abstract apply(info: ContainerInfo): void;

  /** The container's metadata (frozen: shared by every record of it, and serialised once) and default tag, from inspect. */
  protected describe(info: ContainerInfo): ContainerMeta {
    const meta = containerMeta(info, { inputId: this.ctx.inputId, inputType: 'docker_logs', logger: this.ctx.logger });
    this.lines.describe(meta, containerTag('main', info.name));
    return meta;
  }

  /** A failed read cycle: true when the error rules out reading this container; otherwise waits out a backoff for the retry. */
  protected async retryOrGiveUp(err: unknown, backoff: Backoff): Promise<boolean> {
    if (!isRetriable(err)) {
      this.ctx.logger.warn({ container: this.id.slice(0, 12), code: (err as LogshipError).code }, `docker_logs: not reading container: ${errorMessage(err)}`);
      return true;
    }
    this.failed(err);
    this.wanted = true;
    await sleep(backoff.nextDelayMs(), this.ctx.signal);
    return false;
  }

  private failed(err: unknown): void {
    this.ctx.metrics.inc(METRIC.DOCKER_ERRORS_TOTAL, { input: this.ctx.inputId });
    if (this.failing) return;
    this.failing = true;
    this.ctx.logger.warn({ container: this.id.slice(0, 12), code: (err as LogshipError).code }, `docker_logs: reading failed, retrying with backoff: ${errorMessage(err)}`);
  }

  protected recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.ctx.logger.info({ container: this.id.slice(0, 12) }, 'docker_logs: reading again');
  }
}
