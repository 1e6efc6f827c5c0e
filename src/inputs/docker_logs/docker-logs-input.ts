import { Backoff, sleep } from '../../core/backoff.js';
import { errorMessage } from '../../core/errors.js';
import { nowTimestamp } from '../../core/timestamp.js';
import type { Input, PluginContext, RecordSink } from '../../plugins/types.js';
import { DockerService, type ContainerEvent } from '../../services/docker.js';
import type { DockerLogsCheckpoint } from './checkpoint.js';
import { ContainerFilter } from './container-filter.js';
import { ContainerFollower, type FollowerContext } from './container-follower.js';
import type { DockerLogsConfig } from './schema.js';
import { ownContainerId } from './self-container.js';

/**
 * Discovery for docker_logs: keeps one follower per matching container, driven by the events
 * stream and by a full reconcile at start and after every reconnect (the daemon replays only its
 * last 256 events).
 */
export class DockerLogsInput implements Input {
  private readonly docker: DockerService;
  private readonly followers = new Map<string, ContainerFollower>();
  private readonly abort = new AbortController();
  private readonly restored: DockerLogsCheckpoint['containers'];
  private readonly selfId = ownContainerId();
  private reconciledOnce = false;
  private supervisor: Promise<void> | undefined;
  private followerContext: FollowerContext | undefined;

  constructor(
    private readonly config: DockerLogsConfig,
    private readonly context: PluginContext,
  ) {
    this.docker = new DockerService(config.docker_host);
    this.restored = context.checkpoints.restore<DockerLogsCheckpoint>(this.checkpointKey)?.containers ?? {};
    context.checkpoints.register(this.checkpointKey, () => this.checkpoint());
    context.metrics.gauge('docker_logs_containers_followed', { input: context.id }, () => [...this.followers.values()].filter((f) => f.following).length);
  }

  private get checkpointKey(): string {
    return `input:${this.context.id}`;
  }

  async start(sink: RecordSink): Promise<void> {
    const startedAt = nowTimestamp();
    const previous = this.context.checkpoints.previousSavedAt;
    this.followerContext = {
      inputId: this.context.id,
      docker: this.docker,
      sink,
      filter: new ContainerFilter(this.config.include, this.config.exclude),
      hostName: this.context.hostName,
      maxLineBytes: this.config.max_line_bytes,
      logger: this.context.logger,
      metrics: this.context.metrics,
      signal: this.abort.signal,
      previousRunAt: previous ? Date.parse(previous) : undefined,
      firstSince: () => (this.config.start_at === 'end' ? startedAt : '1970-01-01T00:00:00.000000000Z'),
    };
    this.supervisor = this.superviseEvents();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([this.supervisor, ...[...this.followers.values()].map((f) => f.stopped())]);
  }

  private async superviseEvents(): Promise<void> {
    const backoff = new Backoff(200, 10_000);
    const { logger, metrics } = this.context;
    let down = false;
    while (!this.abort.signal.aborted) {
      try {
        const { stream, events } = await this.docker.containerEvents();
        const onAbort = (): void => void stream.destroy();
        this.abort.signal.addEventListener('abort', onAbort, { once: true });
        try {
          await this.reconcile();
          if (down) logger.info('docker_logs: Docker daemon reachable again; containers reconciled');
          down = false;
          backoff.reset();
          for await (const event of events) this.onEvent(event);
        } finally {
          this.abort.signal.removeEventListener('abort', onAbort);
        }
        if (this.abort.signal.aborted) return;
        throw new Error('event stream ended');
      } catch (err) {
        if (this.abort.signal.aborted) return;
        metrics.inc('docker_errors_total', { input: this.context.id });
        if (!down) logger.warn(`docker_logs: lost the Docker daemon (${errorMessage(err)}); reconnecting with backoff`);
        down = true;
        await sleep(backoff.nextDelayMs(), this.abort.signal);
      }
    }
  }

  /** Makes the followed set match the daemon's containers. */
  private async reconcile(): Promise<void> {
    const ids = await this.docker.listContainerIds();
    const atStartup = !this.reconciledOnce;
    for (const id of ids) this.consider(id, atStartup);
    const present = new Set(ids);
    for (const [id, follower] of this.followers) if (!present.has(id)) follower.kick();
    this.reconciledOnce = true;
  }

  private onEvent(event: ContainerEvent): void {
    switch (event.action) {
      case 'start':
        // labels and name from the event let us skip non-matching containers without a request
        if (this.followers.has(event.id) || this.followerContext?.filter.matches(eventContainer(event))) this.consider(event.id, false, true);
        break;
      case 'die':
        this.followers.get(event.id)?.onDie();
        break;
      case 'destroy':
        if (this.followers.has(event.id)) this.consider(event.id, false);
        break;
      case 'rename':
        void this.followers.get(event.id)?.refresh();
        break;
      default:
        break;
    }
  }

  private consider(id: string, atStartup: boolean, justStarted = false): void {
    if (id === this.selfId || !this.followerContext) return;
    let follower = this.followers.get(id);
    if (!follower) {
      follower = new ContainerFollower(id, this.followerContext, this.restored[id]);
      this.followers.set(id, follower);
    }
    follower.kick(atStartup, justStarted);
  }

  private checkpoint(): DockerLogsCheckpoint {
    const containers: DockerLogsCheckpoint['containers'] = {};
    if (!this.reconciledOnce) Object.assign(containers, this.restored);
    for (const [id, follower] of this.followers) {
      if (follower.finished) {
        this.followers.delete(id);
        continue;
      }
      const checkpoint = follower.checkpoint();
      if (checkpoint) containers[id] = checkpoint;
    }
    return { containers };
  }
}

/** A container as a start event describes it; labels are approximate (attributes merge them). */
function eventContainer(event: ContainerEvent): { name: string; image: string; labels: Record<string, string> } {
  const { name = '', image = '', ...labels } = event.attributes;
  return { name, image, labels: { ...labels, ...event.attributes } };
}
