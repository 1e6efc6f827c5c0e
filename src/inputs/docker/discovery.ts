import { redactUrls } from '../../core/redact.js';
import { Backoff, sleep } from '../../core/backoff.js';
import { errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Metrics } from '../../core/metrics.js';
import type { ContainerMeta } from '../../core/record.js';
import type { ContainerEvent, ContainerInfo, DockerService, ListedContainer } from '../../services/docker.js';
import type { ContainerFilter } from './container-filter.js';
import { containerMeta } from './container-meta.js';
import { ownContainerId } from './self-container.js';
import { METRIC } from '../../core/metric-names.js';

export interface DiscoveryContext {
  docker: DockerService;
  /** The daemon's address, named (redacted) when it cannot be reached. */
  address: string;
  inputId: string;
  /** docker_logs, docker_tail, docker_exec: in log lines. */
  inputType: string;
  logger: Logger;
  metrics: Metrics;
}

/** A container as a start event describes it; labels are approximate (attributes merge them). */
export interface SeenContainer {
  name: string;
  image: string;
  labels: Record<string, string>;
}

/** What an input does with what discovery finds. This shipper's own container is never handed on. */
export interface DiscoveryHooks {
  /**
   * The daemon's whole container list: at every (re)connect, and every `reconcileEveryMs` if set.
   * `lastContact` is when the daemon was last heard from before this listing (epoch ms).
   */
  reconcile(listed: ListedContainer[], lastContact: number): Promise<void>;
  started(id: string, seen: SeenContainer): void | Promise<void>;
  /** The container's main process ended; it may start again. */
  died(id: string): void;
  /** The container is gone for good. */
  destroyed(id: string): void;
  renamed?(id: string): void;
  /**
   * From when (epoch ms) the events are asked at each (re)connect, given the last contact with the
   * daemon: an input that must see every start and die replays them from there. Default: now.
   */
  since?(lastContact: number): number;
}

export interface DiscoveryOptions {
  /** When the daemon was last heard from before this process, e.g. by the previous run (epoch ms). Default: now. */
  lastContact?: number;
  /** Reconcile also this often (ms) while connected: until the first event, the subscription may be pending. */
  reconcileEveryMs?: number;
}

/**
 * Discovery for the Docker inputs: a full listing at every (re)connect to the daemon, reconciled
 * by the input, plus the container event stream (the daemon replays only its last 256 events).
 * Reconnects with backoff; a lost daemon is counted in docker_errors_total and said once per outage.
 */
export class Discovery {
  private readonly abort = new AbortController();
  private readonly selfId = ownContainerId();
  private loop: Promise<void> | undefined;
  /** When the daemon last answered a listing or sent an event (epoch ms). */
  private lastContact: number;
  private reconciled = false;

  constructor(
    private readonly ctx: DiscoveryContext,
    private readonly hooks: DiscoveryHooks,
    private readonly options: DiscoveryOptions = {},
  ) {
    this.lastContact = options.lastContact ?? Date.now();
  }

  /** True once a listing was reconciled: until then, restored state of containers not seen yet must be kept. */
  get listedOnce(): boolean {
    return this.reconciled;
  }

  start(): void {
    this.loop ??= this.supervise();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async supervise(): Promise<void> {
    const { docker, logger, metrics, inputId, inputType } = this.ctx;
    const { signal } = this.abort;
    const backoff = new Backoff(200, 10_000);
    let down = false;
    while (!signal.aborted) {
      // The daemon may send no response headers until the first event, so the subscription is not
      // awaited before listing; asking for the last seconds of events covers the gap between the two.
      const since = this.hooks.since?.(this.lastContact) ?? Date.now();
      const subscription = docker.containerEvents(Math.floor(since / 1000) - 2, signal);
      subscription.catch(() => undefined);
      try {
        await Promise.race([subscription, sleep(300, signal)]);
        await this.reconcile();
        if (down) logger.info(`${inputType}: Docker daemon reachable again; containers reconciled`);
        down = false;
        backoff.reset();
        const every = this.options.reconcileEveryMs;
        const periodic = every ? setInterval(() => void this.reconcile().catch(() => undefined), every) : undefined;
        try {
          const { stream, events } = await subscription;
          if (signal.aborted) stream.destroy();
          for await (const event of events) {
            this.lastContact = Date.now();
            await this.dispatch(event);
          }
        } finally {
          clearInterval(periodic);
        }
        if (signal.aborted) return;
        throw new Error('event stream ended');
      } catch (err) {
        void subscription.then(({ stream }) => stream.destroy(), () => undefined);
        if (signal.aborted) return;
        metrics.inc(METRIC.DOCKER_ERRORS_TOTAL, { input: inputId });
        if (!down) logger.warn(`${inputType}: cannot reach the Docker daemon at ${redactUrls(this.ctx.address)} (${errorMessage(err)}); retrying with backoff`);
        down = true;
        await sleep(backoff.nextDelayMs(), signal);
      }
    }
  }

  private async reconcile(): Promise<void> {
    const listed = (await this.ctx.docker.listContainers()).filter((c) => c.id !== this.selfId);
    await this.hooks.reconcile(listed, this.lastContact);
    this.reconciled = true;
    this.lastContact = Date.now();
  }

  private async dispatch(event: ContainerEvent): Promise<void> {
    this.ctx.logger.trace({ container: event.id.slice(0, 12), action: event.action }, `${this.ctx.inputType}: event`);
    if (event.id === this.selfId) return;
    switch (event.action) {
      case 'start':
        await this.hooks.started(event.id, eventContainer(event));
        break;
      case 'die':
        this.hooks.died(event.id);
        break;
      case 'destroy':
        this.hooks.destroyed(event.id);
        break;
      case 'rename':
        this.hooks.renamed?.(event.id);
        break;
      default:
        break;
    }
  }
}

function eventContainer(event: ContainerEvent): SeenContainer {
  const { name = '', image = '', ...labels } = event.attributes;
  return { name, image, labels };
}

/** A running container that matches the filters: inspected, with its metadata as records carry it. */
export interface RunningContainer {
  info: ContainerInfo;
  meta: ContainerMeta;
}

export interface RunningHandler {
  /** A matching container runs; `started` is true when a start event (not a listing) told us. */
  running(container: RunningContainer, started: boolean): void;
  /** The container's main process ended (die event); it may start again. */
  stopped(id: string): void;
  /** The container is gone for good. */
  destroyed(id: string): void;
}

/** Discovery of the running containers that match `filter`, for the inputs that run execs in them. */
export function watchRunning(ctx: DiscoveryContext, filter: ContainerFilter, handler: RunningHandler): Discovery {
  const consider = async (id: string, started: boolean): Promise<void> => {
    let info: ContainerInfo;
    try {
      info = await ctx.docker.inspect(id);
    } catch {
      // removed in the meantime: its destroy event follows
      return;
    }
    if (info.running && filter.matches(info)) handler.running({ info, meta: containerMeta(info, ctx) }, started);
  };
  return new Discovery(ctx, {
    reconcile: async (listed) => {
      for (const container of listed) if (container.running && filter.mayMatch(container)) await consider(container.id, false);
    },
    started: (id) => consider(id, true),
    died: (id) => handler.stopped(id),
    destroyed: (id) => handler.destroyed(id),
  });
}
