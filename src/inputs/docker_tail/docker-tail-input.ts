import { compileTagTemplate } from '../../core/tag-template.js';
import { deepFreeze } from '../../core/record-json.js';
import type { ContainerMeta } from '../../core/record.js';
import { Backpressure } from '../../plugins/backpressure.js';
import type { Input, PluginContext, RecordSink } from '../../plugins/types.js';
import { DockerService, type ContainerInfo } from '../../services/docker.js';
import { ContainerFilter } from '../docker/container-filter.js';
import { watchRunning, type Discovery, type RunningContainer } from '../docker/discovery.js';
import { MissingTools } from '../docker/missing-tool.js';
import { labelPaths } from './label-paths.js';
import type { DockerTailConfig } from './schema.js';
import { TailSession, type FilePosition, type TailContext } from './tail-session.js';
import { METRIC } from '../../core/metric-names.js';

interface TailCheckpoint {
  containers: Record<string, Record<string, FilePosition>>;
}

/**
 * docker_tail: for every running matching container, one TailSession per file named in `paths` or
 * in the container's label. Driven by container start events and a listing at every (re)connect.
 */
export class DockerTailInput implements Input {
  private readonly docker: DockerService;
  private readonly abort = new AbortController();
  private readonly sessions = new Map<string, Map<string, TailSession>>();
  private readonly restored: TailCheckpoint['containers'];
  private readonly missingTools: MissingTools;
  /** Containers whose label was warned about: labels never change on a container. */
  private readonly warnedLabel = new Set<string>();
  private context: TailContext | undefined;
  private readonly discovery: Discovery;

  constructor(
    private readonly config: DockerTailConfig,
    private readonly plugin: PluginContext,
  ) {
    this.docker = new DockerService(config.docker_host);
    const filter = new ContainerFilter(config.include, config.exclude, { podSandboxes: config.pod_sandboxes });
    const discovery = { docker: this.docker, address: config.docker_host, inputId: plugin.id, inputType: 'docker_tail', logger: plugin.logger, metrics: plugin.metrics };
    this.discovery = watchRunning(discovery, filter, {
      running: (container, restarted) => this.follow(container, restarted),
      // a stopped container's tails end by themselves (exit 137); its start event brings them back
      stopped: () => undefined,
      destroyed: (id) => this.forget(id),
    });
    this.missingTools = new MissingTools('docker_tail', plugin.logger, 'cannot follow files in this container until it restarts');
    this.restored = plugin.checkpoints.restore<TailCheckpoint>(this.key)?.containers ?? {};
    plugin.checkpoints.register(this.key, () => this.checkpoint());
    plugin.metrics.gauge(METRIC.DOCKER_TAIL_SESSIONS, { input: plugin.id }, () => [...this.sessions.values()].reduce((n, m) => n + m.size, 0));
  }

  private get key(): string {
    return `input:${this.plugin.id}`;
  }

  async start(sink: RecordSink): Promise<void> {
    const { metrics, logger, id } = this.plugin;
    this.context = {
      inputId: this.plugin.id,
      docker: this.docker,
      sink: new Backpressure(sink, this.plugin),
      host: deepFreeze({ name: this.plugin.hostName }),
      maxLineBytes: this.config.max_line_bytes,
      logger,
      records: metrics.counter(METRIC.INPUT_RECORDS_TOTAL, { input: id }),
      unread: metrics.counter(METRIC.DOCKER_TAIL_UNREAD_TOTAL, { input: id }),
      execCreated: (containerId) => {
        metrics.inc(METRIC.EXEC_CREATED_TOTAL, { input: id, container: containerId.slice(0, 12) });
        logger.debug({ container: containerId.slice(0, 12) }, 'docker_tail: exec created');
      },
      missingTool: (containerId, tool) => this.missingTools.report(containerId, this.metas.get(containerId)?.image.name, tool),
    };
    if (this.config.tag) this.context.tagTemplate = compileTagTemplate(this.config.tag);
    this.discovery.start();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([this.discovery.stop(), ...[...this.sessions.values()].flatMap((files) => [...files.values()].map((s) => s.stop()))]);
  }

  private readonly metas = new Map<string, ContainerMeta>();

  /** Starts (or restarts) a session per file of a running, matching container. */
  private follow({ info, meta }: RunningContainer, restarted: boolean): void {
    if (!this.context || this.abort.signal.aborted) return;
    const { id } = info;
    if (restarted) this.missingTools.forget(id);
    this.metas.set(id, meta);
    let files = this.sessions.get(id);
    if (!files) {
      files = new Map();
      this.sessions.set(id, files);
    }
    for (const path of this.pathsFor(info)) {
      let session = files.get(path);
      if (!session) {
        session = new TailSession(id, path, meta, this.restored[id]?.[path], this.context);
        files.set(path, session);
      }
      session.updateMeta(meta);
      session.start(restarted);
    }
  }

  private pathsFor(info: ContainerInfo): string[] {
    const { paths, rejected, skipped } = labelPaths(info.labels[this.config.label], this.config.paths, this.config.max_label_paths);
    if ((rejected.length || skipped.length) && !this.warnedLabel.has(info.id)) {
      this.warnedLabel.add(info.id);
      const problems = [
        ...(rejected.length ? [`ignored ${rejected.length} path(s) that are not absolute or hold characters other than letters, digits and ._@%+=:~/- (${rejected.map((p) => JSON.stringify(p)).join(', ')})`] : []),
        ...(skipped.length ? [`skipped ${skipped.length} path(s) beyond max_label_paths (${this.config.max_label_paths}): ${skipped.join(', ')}`] : []),
      ];
      this.plugin.logger.warn({ container: info.id.slice(0, 12), name: info.name }, `docker_tail: label ${this.config.label} of container ${info.name}: ${problems.join('; ')}`);
    }
    return [...new Set(this.config.paths), ...paths];
  }

  private forget(id: string): void {
    const files = this.sessions.get(id);
    if (!files) return;
    for (const session of files.values()) void session.stop();
    this.sessions.delete(id);
    this.metas.delete(id);
    this.missingTools.forget(id);
    this.warnedLabel.delete(id);
  }

  private checkpoint(): TailCheckpoint {
    const containers: TailCheckpoint['containers'] = {};
    if (!this.discovery.listedOnce) Object.assign(containers, this.restored);
    for (const [id, files] of this.sessions) {
      const entry: Record<string, FilePosition> = { ...this.restored[id] };
      for (const [path, session] of files) {
        const position = session.checkpoint();
        if (position) entry[path] = position;
      }
      if (Object.keys(entry).length) containers[id] = entry;
    }
    return { containers };
  }
}
