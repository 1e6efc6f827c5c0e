import { Backoff, sleep } from '../../core/backoff.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import type { ContainerInfo, DockerService } from '../../services/docker.js';
import type { ContainerFilter } from '../docker_logs/container-filter.js';
import { ownContainerId } from '../docker_logs/self-container.js';

export interface WatchHandler {
  /** A matching container runs; `started` is true when a start event (not a listing) told us. */
  running(info: ContainerInfo, started: boolean): void;
  /** The container's main process ended (die event); it may start again. */
  stopped(id: string): void;
  /** The container is gone for good. */
  destroyed(id: string): void;
}

export interface WatcherContext {
  inputId: string;
  inputType: string;
  logger: Logger;
  metrics: Metrics;
}

/**
 * Discovery for the exec-based inputs: the running, matching containers, from a full listing at
 * every (re)connect to the daemon plus the container event stream. Reconnects with backoff.
 */
export class ContainerWatcher {
  private readonly abort = new AbortController();
  private readonly selfId = ownContainerId();
  private loop: Promise<void> | undefined;
  /** True once a listing succeeded: until then, restored state of unseen containers must be kept. */
  listedOnce = false;

  constructor(
    private readonly docker: DockerService,
    private readonly filter: ContainerFilter,
    private readonly ctx: WatcherContext,
    private readonly handler: WatchHandler,
  ) {}

  start(): void {
    this.loop ??= this.supervise();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async supervise(): Promise<void> {
    const { logger, metrics, inputId, inputType } = this.ctx;
    const backoff = new Backoff(200, 10_000);
    let down = false;
    while (!this.abort.signal.aborted) {
      // subscribe before listing, so a container started in between is not missed
      const subscription = this.docker.containerEvents(Math.floor(Date.now() / 1000) - 2, this.abort.signal);
      subscription.catch(() => undefined);
      try {
        await Promise.race([subscription, sleep(300, this.abort.signal)]);
        for (const listed of await this.docker.listContainers()) if (listed.running && this.filter.mayMatch(listed)) await this.consider(listed.id, false);
        this.listedOnce = true;
        if (down) logger.info(`${inputType}: Docker daemon reachable again`);
        down = false;
        backoff.reset();
        const { stream, events } = await subscription;
        if (this.abort.signal.aborted) stream.destroy();
        for await (const event of events) {
          if (event.action === 'start') await this.consider(event.id, true);
          else if (event.action === 'die') this.handler.stopped(event.id);
          else if (event.action === 'destroy') this.handler.destroyed(event.id);
        }
        if (this.abort.signal.aborted) return;
        throw new Error('event stream ended');
      } catch (err) {
        void subscription.then(({ stream }) => stream.destroy(), () => undefined);
        if (this.abort.signal.aborted) return;
        metrics.inc('docker_errors_total', { input: inputId });
        if (!down) logger.warn(`${inputType}: cannot reach the Docker daemon (${errorMessage(err)}); retrying with backoff`);
        down = true;
        await sleep(backoff.nextDelayMs(), this.abort.signal);
      }
    }
  }

  private async consider(id: string, started: boolean): Promise<void> {
    if (id === this.selfId) return;
    let info: ContainerInfo;
    try {
      info = await this.docker.inspect(id);
    } catch {
      // removed in the meantime: its destroy event follows
      return;
    }
    if (info.running && this.filter.matches(info)) this.handler.running(info, started);
  }
}
