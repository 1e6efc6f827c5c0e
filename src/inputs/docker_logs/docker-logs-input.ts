import { setMaxListeners } from 'node:events';
import { nowTimestamp } from '../../core/timestamp.js';
import { compileTagTemplate } from '../../core/tag-template.js';
import { deepFreeze } from '../../core/record-json.js';
import { Backpressure } from '../../plugins/backpressure.js';
import type { Input, PluginContext, RecordSink } from '../../plugins/types.js';
import { DockerService, type ListedContainer } from '../../services/docker.js';
import { ContainerFilter } from '../docker/container-filter.js';
import { Discovery, type SeenContainer } from '../docker/discovery.js';
import { validContainerCheckpoint, type ContainerCheckpoint, type DockerLogsCheckpoint } from './checkpoint.js';
import { ContainerFollower } from './container-follower.js';
import { FileFollower } from './file-follower.js';
import type { Follower, FollowerContext, KickReason } from './follower-context.js';
import type { DockerLogsConfig } from './schema.js';
import { METRIC } from '../../core/metric-names.js';

/** While the event subscription is open (or still pending), the followed set is also reconciled this often. */
const RECONCILE_INTERVAL_MS = 30_000;

/**
 * docker_logs: keeps one follower per matching container, driven by discovery (the events stream,
 * replayed from the last contact with the daemon, and a full reconcile at start, after every
 * reconnect and periodically).
 */
export class DockerLogsInput implements Input {
  private readonly docker: DockerService;
  private readonly followers = new Map<string, Follower>();
  /** auto mode fell back to the API at least once (said once, not per container). */
  private fellBack = false;
  private readonly abort = new AbortController();
  private readonly restored: DockerLogsCheckpoint['containers'];
  private readonly discovery: Discovery;
  /** Stopped containers seen in a listing and judged history: not inspected again until they start. */
  private readonly history = new Set<string>();
  private followerContext: FollowerContext | undefined;

  constructor(
    private readonly config: DockerLogsConfig,
    private readonly context: PluginContext,
  ) {
    this.docker = new DockerService(config.docker_host);
    // every quiet container's tailer waits on it: hundreds of listeners are the design, not a leak
    setMaxListeners(0, this.abort.signal);
    this.restored = this.validRestored(context.checkpoints.restore<DockerLogsCheckpoint>(this.checkpointKey)?.containers);
    context.checkpoints.register(this.checkpointKey, () => this.checkpoint());
    const previousRun = context.checkpoints.previousSavedAt;
    this.discovery = new Discovery(
      { docker: this.docker, address: config.docker_host, inputId: context.id, inputType: 'docker_logs', logger: context.logger, metrics: context.metrics },
      {
        // every start and die counts (a container may have run and exited while nobody listened)
        since: (lastContact) => lastContact,
        reconcile: (listed, lastContact) => this.reconcile(listed, lastContact),
        started: (id, seen) => this.started(id, seen),
        died: (id) => this.followers.get(id)?.onDie(),
        destroyed: (id) => {
          if (this.followers.has(id)) this.consider(id);
        },
        renamed: (id) => void this.followers.get(id)?.refresh(),
      },
      {
        // until the daemon is first reached: when the previous run last saved (or this process started)
        lastContact: previousRun ? Date.parse(previousRun) : Date.now() - Math.round(process.uptime() * 1000),
        reconcileEveryMs: RECONCILE_INTERVAL_MS,
      },
    );
    for (const mode of ['api', 'file'] as const) {
      context.metrics.gauge(METRIC.DOCKER_LOGS_CONTAINERS_FOLLOWED, { input: context.id, mode }, () => [...this.followers.values()].filter((f) => f.following && f.mode === mode).length);
    }
  }

  /** Restored container checkpoints; a malformed one is dropped (that container is read from its oldest log). */
  private validRestored(containers: unknown): Record<string, ContainerCheckpoint> {
    const valid: Record<string, ContainerCheckpoint> = {};
    if (containers === undefined) return valid;
    if (typeof containers !== 'object' || containers === null) {
      this.context.logger.error('docker_logs: the checkpoint is malformed; every container is read from its oldest available log');
      this.context.metrics.inc(METRIC.CHECKPOINT_ENTRIES_INVALID_TOTAL, { input: this.context.id });
      return valid;
    }
    for (const [id, entry] of Object.entries(containers)) {
      const checkpoint = validContainerCheckpoint(entry);
      if (checkpoint) valid[id] = checkpoint;
      else {
        this.context.logger.error({ container: id }, `docker_logs: the checkpoint of container ${id.slice(0, 12)} is malformed; reading it from its oldest available log`);
        this.context.metrics.inc(METRIC.CHECKPOINT_ENTRIES_INVALID_TOTAL, { input: this.context.id });
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
      sink: new Backpressure(sink, this.context),
      filter: new ContainerFilter(this.config.include, this.config.exclude, { podSandboxes: this.config.pod_sandboxes }),
      host: deepFreeze({ name: this.context.hostName }),
      maxLineBytes: this.config.max_line_bytes,
      logger: this.context.logger,
      metrics: this.context.metrics,
      counters: {
        records: this.context.metrics.counter(METRIC.INPUT_RECORDS_TOTAL, { input: this.context.id }),
        bytes: this.context.metrics.counter(METRIC.INPUT_BYTES_TOTAL, { input: this.context.id }),
        repeatedSkipped: this.context.metrics.counter(METRIC.DOCKER_LOGS_REPEATED_SKIPPED_TOTAL, { input: this.context.id }),
        truncated: this.context.metrics.counter(METRIC.DOCKER_LOGS_TRUNCATED_TOTAL, { input: this.context.id }),
      },
      signal: this.abort.signal,
      firstSince: () => (this.config.start_at === 'end' ? startedAt : '1970-01-01T00:00:00.000000000Z'),
      mode: this.config.mode,
      ...(this.config.logs_dir ? { logsDir: this.config.logs_dir } : {}),
      fallBack: (id, reason, kick, why) => this.fallBack(id, reason, kick, why),
    };
    if (this.config.tag) this.followerContext.tag = compileTagTemplate(this.config.tag);
    this.discovery.start();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([this.discovery.stop(), ...[...this.followers.values()].map((f) => f.stopped())]);
  }

  /** Makes the followed set match the daemon's containers. */
  private async reconcile(listed: ListedContainer[], discoveredAfter: number): Promise<void> {
    // start_at applies to the very first run only; later starts resume or read what ran meanwhile
    const initial = !this.discovery.listedOnce && this.context.checkpoints.previousSavedAt === undefined;
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
  }

  /** A start event: name, image and labels from the event skip non-matching containers without a request. */
  private started(id: string, seen: SeenContainer): void {
    this.history.delete(id);
    if (this.followers.has(id) || this.followerContext?.filter.matches(seen)) this.consider(id, { justStarted: true, seen });
  }

  private consider(id: string, reason: KickReason = {}): void {
    if (!this.followerContext) return;
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
    if (why === 'unreadable') this.context.metrics.inc(METRIC.DOCKER_LOGS_FILE_FALLBACKS_TOTAL, { input: this.context.id });
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
    if (!this.discovery.listedOnce) Object.assign(containers, this.restored);
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
