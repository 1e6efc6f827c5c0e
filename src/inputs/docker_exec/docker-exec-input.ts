import { compileTagTemplate } from '../../core/tag-template.js';
import { deepFreeze } from '../../core/record-json.js';
import { Backpressure } from '../../plugins/backpressure.js';
import type { Input, PluginContext, RecordSink } from '../../plugins/types.js';
import { DockerService } from '../../services/docker.js';
import { ContainerFilter } from '../docker/container-filter.js';
import { watchRunning, type Discovery, type RunningContainer } from '../docker/discovery.js';
import { MissingTools } from '../docker/missing-tool.js';
import { ExecSession, type ExecContext } from './exec-session.js';
import { DEFAULT_INTERVAL_MS, type DockerExecConfig } from './schema.js';
import { METRIC } from '../../core/metric-names.js';

interface ExecCheckpoint {
  /** Interval mode: epoch ms of each container's last run start, so a restart keeps the rhythm. */
  last_started_at: Record<string, number>;
}

/** docker_exec: one ExecSession per running, matching container. */
export class DockerExecInput implements Input {
  private readonly docker: DockerService;
  private readonly abort = new AbortController();
  private readonly sessions = new Map<string, ExecSession>();
  private readonly restored: ExecCheckpoint['last_started_at'];
  private readonly discovery: Discovery;
  private readonly missingTools: MissingTools;
  private context: ExecContext | undefined;

  constructor(
    private readonly config: DockerExecConfig,
    private readonly plugin: PluginContext,
  ) {
    this.docker = new DockerService(config.docker_host);
    const filter = new ContainerFilter(config.include, config.exclude, { podSandboxes: config.pod_sandboxes });
    const discovery = { docker: this.docker, address: config.docker_host, inputId: plugin.id, inputType: 'docker_exec', logger: plugin.logger, metrics: plugin.metrics };
    this.discovery = watchRunning(discovery, filter, {
      running: (container, restarted) => this.run(container, restarted),
      stopped: (id) => void this.sessions.get(id)?.stop(),
      destroyed: (id) => this.forget(id),
    });
    this.missingTools = new MissingTools('docker_exec', plugin.logger, 'not running the command in this container until it restarts');
    this.restored = plugin.checkpoints.restore<ExecCheckpoint>(this.key)?.last_started_at ?? {};
    plugin.checkpoints.register(this.key, () => this.checkpoint());
    plugin.metrics.gauge(METRIC.EXEC_SESSIONS, { input: plugin.id }, () => [...this.sessions.values()].filter((s) => s.running).length);
  }

  private get key(): string {
    return `input:${this.plugin.id}`;
  }

  async start(sink: RecordSink): Promise<void> {
    const { metrics, logger, id } = this.plugin;
    const intervalMs = this.config.interval ?? DEFAULT_INTERVAL_MS;
    this.context = {
      docker: this.docker,
      sink: new Backpressure(sink, this.plugin),
      config: this.config,
      intervalMs,
      timeoutMs: this.config.timeout ?? intervalMs,
      inputId: id,
      host: deepFreeze({ name: this.plugin.hostName }),
      logger,
      metrics,
      records: metrics.counter(METRIC.INPUT_RECORDS_TOTAL, { input: id }),
      signal: this.abort.signal,
      missingTool: (containerId, tool) => this.missingTools.report(containerId, this.sessions.get(containerId)?.image, tool),
    };
    if (this.config.tag) this.context.tagTemplate = compileTagTemplate(this.config.tag);
    this.discovery.start();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await Promise.all([this.discovery.stop(), ...[...this.sessions.values()].map((s) => s.stop())]);
  }

  private run({ info, meta }: RunningContainer, restarted: boolean): void {
    if (!this.context) return;
    if (restarted) this.missingTools.forget(info.id);
    let session = this.sessions.get(info.id);
    if (!session) {
      session = new ExecSession(info.id, meta, this.restored[info.id], this.context);
      this.sessions.set(info.id, session);
    }
    session.updateMeta(meta);
    session.start(restarted);
  }

  private forget(id: string): void {
    void this.sessions.get(id)?.stop();
    this.sessions.delete(id);
    this.missingTools.forget(id);
  }

  private checkpoint(): ExecCheckpoint {
    const last: ExecCheckpoint['last_started_at'] = {};
    if (!this.discovery.listedOnce) Object.assign(last, this.restored);
    for (const [id, session] of this.sessions) {
      if (session.lastStartedAt !== undefined) last[id] = session.lastStartedAt;
    }
    return { last_started_at: last };
  }
}
