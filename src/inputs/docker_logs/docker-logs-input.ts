import { Backoff, sleep } from '../../core/backoff.js';
import { errorMessage } from '../../core/errors.js';
import { redactUrls } from '../../core/redact.js';
import { nowTimestamp } from '../../core/timestamp.js';
import { compileTagTemplate } from '../../core/tag-template.js';
import { deepFreeze } from '../../core/record-json.js';
import type { Input, PluginContext, RecordSink } from '../../plugins/types.js';
import { DockerService, type ContainerEvent } from '../../services/docker.js';
import { validContainerCheckpoint, type ContainerCheckpoint, type DockerLogsCheckpoint } from './checkpoint.js';
import { ContainerFilter } from './container-filter.js';
import { ContainerFollower } from './container-follower.js';
import { FileFollower } from './file-follower.js';
import type { Follower, FollowerContext, KickReason } from './follower-context.js';
import type { DockerLogsConfig } from './schema.js';
import { ownContainerId } from './self-container.js';

/**
 * Discovery for docker_logs: keeps one follower per matching container, driven by the events
 * stream and by a full reconcile at start and after every reconnect (the daemon replays only its
 * last 256 events).
 */
export class DockerLogsInput implements Input {
  private readonly docker: DockerService;
  private readonly followers = new Map<string, Follower>();
  /** auto mode fell back to the API at least once (said once, not per container). */
  private fellBack = false;
  private readonly abort = new AbortController();
  private readonly restored: DockerLogsCheckpoint['containers'];
  private readonly selfId = ownContainerId();
  private reconciledOnce = false;
  /** Until the daemon is first reached: when the previous run last saved (or this process started). */
  private lastContact: number;
  /** Stopped containers seen in a listing and judged history: not inspected again until they start. */
  private readonly history = new Set<string>();
  private supervisor: Promise<void> | undefined;
  private followerContext: FollowerContext | undefined;

  constructor(
    private readonly config: DockerLogsConfig,
    private readonly context: PluginContext,
  ) {
    this.docker = new DockerService(config.docker_host);
    this.restored = this.validRestored(context.checkpoints.restore<DockerLogsCheckpoint>(this.checkpointKey)?.containers);
    context.checkpoints.register(this.checkpointKey, () => this.checkpoint());
    const previousRun = context.checkpoints.previousSavedAt;
    this.lastContact = previousRun ? Date.parse(previousRun) : Date.now() - Math.round(process.uptime() * 1000);
    for (const mode of ['api', 'file'] as const) {
      context.metrics.gauge('docker_logs_containers_followed', { input: context.id, mode }, () => [...this.followers.values()].filter((f) => f.following && f.mode === mode).length);
    }
  }

  /** Restored container checkpoints; a malformed one is dropped (that container is read from its oldest log). */
  private validRestored(containers: unknown): Record<string, ContainerCheckpoint> {
    const valid: Record<string, ContainerCheckpoint> = {};
    if (containers === undefined) return valid;
    if (typeof containers !== 'object' || containers === null) {
      this.context.logger.error('docker_logs: the checkpoint is malformed; every container is read from its oldest available log');
      this.context.metrics.inc('checkpoint_entries_invalid_total', { input: this.context.id });
      return valid;
    }
    for (const [id, entry] of Object.entries(containers)) {
      const checkpoint = validContainerCheckpoint(entry);
      if (checkpoint) valid[id] = checkpoint;
      else {
        this.context.logger.error({ container: id }, `docker_logs: the checkpoint of container ${id.slice(0, 12)} is malformed; reading it from its oldest available log`);
        this.context.metrics.inc('checkpoint_entries_invalid_total', { input: this.context.id });
      }
    }
    return valid;
  }

  private get checkpointKey(): string {
    return `input:${this.context.id}`;
  }

  async start(sink: RecordSink): Promise<void> {
    const startedAt = nowTimestamp();
    this.followerContext = {
      inputId: this.context.id,
      docker: this.docker,
      sink,
      filter: new ContainerFilter(this.config.include, this.config.exclude),
      host: deepFreeze({ name: this.context.hostName }),
      maxLineBytes: this.config.max_line_bytes,
      logger: this.context.logger,
      metrics: this.context.metrics,
      counters: {
        records: this.context.metrics.counter('input_records_total', { input: this.context.id }),
        bytes: this.context.metrics.counter('input_bytes_total', { input: this.context.id }),
        repeatedSkipped: this.context.metrics.counter('docker_logs_repeated_skipped_total', { input: this.context.id }),
        truncated: this.context.metrics.counter('docker_logs_truncated_total', { input: this.context.id }),
      },
      signal: this.abort.signal,
      firstSince: () => (this.config.start_at === 'end' ? startedAt : '1970-01-01T00:00:00.000000000Z'),
      mode: this.config.mode,
      ...(this.config.logs_dir ? { logsDir: this.config.logs_dir } : {}),
      fallBack: (id, reason, kick, why) => this.fallBack(id, reason, kick, why),
    };
    if (this.config.tag) this.followerContext.tag = compileTagTemplate(this.config.tag);
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
      // The daemon may send no response headers until the first event, so the subscription is not
      // awaited before listing; asking for the last seconds of events covers the gap between the two.
      const subscription = this.docker.containerEvents(Math.floor(this.lastContact / 1000) - 2, this.abort.signal);
      subscription.catch(() => undefined);
      try {
        await Promise.race([subscription, sleep(300, this.abort.signal)]);
        await this.reconcile();
        if (down) logger.info('docker_logs: Docker daemon reachable again; containers reconciled');
        down = false;
        backoff.reset();
        // until the first event arrives the subscription may still be pending: reconcile meanwhile
        const periodic = setInterval(() => void this.reconcile().catch(() => undefined), RECONCILE_INTERVAL_MS);
        try {
          const { stream, events } = await subscription;
          if (this.abort.signal.aborted) stream.destroy();
          for await (const event of events) {
            this.lastContact = Date.now();
            this.onEvent(event);
          }
        } finally {
          clearInterval(periodic);
        }
        if (this.abort.signal.aborted) return;
        throw new Error('event stream ended');
      } catch (err) {
        void subscription.then(({ stream }) => stream.destroy(), () => undefined);
        if (this.abort.signal.aborted) return;
        metrics.inc('docker_errors_total', { input: this.context.id });
        if (!down) logger.warn(`docker_logs: cannot reach the Docker daemon at ${redactUrls(this.config.docker_host)} (${errorMessage(err)}); retrying with backoff`);
        down = true;
        await sleep(backoff.nextDelayMs(), this.abort.signal);
      }
    }
  }

  /** Makes the followed set match the daemon's containers. */
  private async reconcile(): Promise<void> {
    const listed = await this.docker.listContainers();
    // start_at applies to the very first run only; later starts resume or read what ran meanwhile
    const initial = !this.reconciledOnce && this.context.checkpoints.previousSavedAt === undefined;
    const discoveredAfter = this.lastContact;
    for (const container of listed) {
      const { id, running } = container;
      const follower = this.followers.get(id);
      if (!follower) {
        // no inspect for containers the filters rule out already (a host may run hundreds)
        if (!this.history.has(id) && this.followerContext?.filter.mayMatch(container)) this.consider(id, { initial, discoveredAfter });
      } else if (running && follower.idle) {
        // restarted while we were not listening
        follower.kick();
      }
    }
    const present = new Set(listed.map((c) => c.id));
    for (const [id, follower] of this.followers) if (!present.has(id)) follower.kick();
    for (const id of this.history) if (!present.has(id)) this.history.delete(id);
    this.reconciledOnce = true;
    this.lastContact = Date.now();
  }

  private onEvent(event: ContainerEvent): void {
    this.context.logger.trace({ container: event.id.slice(0, 12), action: event.action }, 'docker_logs: event');
    switch (event.action) {
      case 'start':
        this.history.delete(event.id);
        // labels and name from the event let us skip non-matching containers without a request
        {
          const seen = eventContainer(event);
          if (this.followers.has(event.id) || this.followerContext?.filter.matches(seen)) this.consider(event.id, { justStarted: true, seen });
        }
        break;
      case 'die':
        this.followers.get(event.id)?.onDie();
        break;
      case 'destroy':
        if (this.followers.has(event.id)) this.consider(event.id);
        break;
      case 'rename':
        void this.followers.get(event.id)?.refresh();
        break;
      default:
        break;
    }
  }

  private consider(id: string, reason: KickReason = {}): void {
    if (id === this.selfId || !this.followerContext) return;
    let follower = this.followers.get(id);
    if (!follower) {
      follower =
        this.config.mode === 'api'
          ? new ContainerFollower(id, this.followerContext, this.restored[id])
          : new FileFollower(id, this.followerContext, this.restored[id]);
      this.followers.set(id, follower);
    } else if (!follower.idle && reason.justStarted) {
      // already reading it (a replayed start event at start-up, or a quick restart): the running
      // cycle reopens as needed; an early follow request would read the whole log a second time
      reason = {};
    }
    follower.kick(reason);
  }

  /** auto mode: this container's json-file is not readable here; read it through the API. */
  private fallBack(id: string, reason: string, kick: KickReason, why: 'unreadable' | 'vanished'): void {
    if (!this.followerContext || this.abort.signal.aborted) return;
    const { logger } = this.context;
    if (why === 'unreadable') this.context.metrics.inc('docker_logs_file_fallbacks_total', { input: this.context.id });
    if (why === 'unreadable' && !this.fellBack) {
      this.fellBack = true;
      logger.warn(`docker_logs: reading containers through the Docker API, not their json-file logs: ${reason} — mount the host's /var/lib/docker/containers read-only (logs_dir if elsewhere) for file mode`);
    } else {
      logger.debug({ container: id.slice(0, 12) }, `docker_logs: through the Docker API: ${reason}`);
    }
    const follower = new ContainerFollower(id, this.followerContext, this.restored[id]);
    this.followers.set(id, follower);
    follower.kick(kick);
  }

  private checkpoint(): DockerLogsCheckpoint {
    const containers: DockerLogsCheckpoint['containers'] = {};
    if (!this.reconciledOnce) Object.assign(containers, this.restored);
    for (const [id, follower] of this.followers) {
      if (follower.finished) {
        this.followers.delete(id);
        if (follower.ignored) this.history.add(id);
        continue;
      }
      const checkpoint = follower.checkpoint();
      if (checkpoint) containers[id] = checkpoint;
    }
    return { containers };
  }
}

/** A container as a start event describes it; labels are approximate (attributes merge them). */
const RECONCILE_INTERVAL_MS = 30_000;

function eventContainer(event: ContainerEvent): { name: string; image: string; labels: Record<string, string> } {
  const { name = '', image = '', ...labels } = event.attributes;
  return { name, image, labels };
}
