import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { ConfigError, formatProblem } from '../config/config-error.js';
import { loadPipelineFile } from '../config/load.js';
import { errorMessage } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { isEmptyPlan } from '../pipeline/reload-plan.js';
import type { PipelineRuntime } from '../pipeline/runtime.js';
import { METRIC } from '../core/metric-names.js';

export type ReloadOutcome = 'applied' | 'unchanged' | 'rejected' | 'partial' | 'failed';

/**
 * Reloads the pipeline file into a running runtime (SIGHUP, --watch). One reload at a time; a
 * request during a reload runs once more afterwards, so the last edit always wins. A file that
 * does not validate is rejected whole and the running pipeline goes on untouched.
 */
export class Reloader {
  private running: Promise<void> | undefined;
  private again = false;
  /** The file's bytes as last loaded: a watch event with the same bytes is no change. */
  private lastContents: Buffer;
  private unwatch: (() => void) | undefined;
  private lastSuccessful = 1;
  private lastSuccessAt = Date.now();

  constructor(
    private readonly file: string,
    private readonly runtime: PipelineRuntime,
    private readonly logger: Logger,
  ) {
    this.lastContents = contentsOf(file) ?? Buffer.alloc(0);
    const { metrics } = runtime;
    metrics.gauge(METRIC.CONFIG_LAST_RELOAD_SUCCESSFUL, {}, () => this.lastSuccessful);
    metrics.gauge(METRIC.CONFIG_LAST_RELOAD_SUCCESS_TIMESTAMP_SECONDS, {}, () => this.lastSuccessAt / 1000);
  }

  /** Asks for a reload; resolves when it (or the one it was folded into) is done. */
  request(reason: string): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.reloadOnce(reason);
      } while (this.again);
    })().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Resolves once no reload is running (stop waits for it, so a stop never meets a half-swapped pipeline). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /**
   * Polls the file's metadata every `intervalMs` and reloads when its content changed. Polling,
   * not inotify: it follows editors that replace the file, and Kubernetes ConfigMap volumes,
   * which swap a symlink.
   */
  watch(intervalMs = 1000): void {
    const listener = (): void => {
      const contents = contentsOf(this.file);
      if (contents === undefined || contents.equals(this.lastContents)) return;
      void this.request('the pipeline file changed');
    };
    watchFile(this.file, { interval: intervalMs, persistent: false }, listener);
    this.unwatch = () => unwatchFile(this.file, listener);
  }

  close(): void {
    this.unwatch?.();
  }

  private async reloadOnce(reason: string): Promise<void> {
    const { metrics } = this.runtime;
    const contents = contentsOf(this.file);
    let outcome: ReloadOutcome;
    try {
      const next = loadPipelineFile(this.file);
      for (const warning of next.warnings) this.logger.warn(formatProblem(warning));
      this.lastContents = contents ?? this.lastContents;
      const { failed, plan } = await this.runtime.reload(next);
      const unchanged = failed.length === 0 && isEmptyPlan(plan);
      outcome = failed.length ? 'partial' : unchanged ? 'unchanged' : 'applied';
      if (unchanged) this.logger.info(`reload (${reason}): nothing to change`);
      for (const f of failed) this.logger.error({ plugin: f.id }, `reload: ${f.id} could not start with its new configuration: ${f.reason}`);
      if (plan.settingsNeedingRestart.length) {
        this.logger.warn(`reload: settings ${plan.settingsNeedingRestart.join(', ')} changed; they take effect at the next start (the running values stay)`);
      }
    } catch (err) {
      if (err instanceof ConfigError) {
        outcome = 'rejected';
        this.lastContents = contents ?? this.lastContents;
        for (const problem of err.problems) this.logger.error(`reload rejected: ${formatProblem(problem)}`);
        this.logger.error(`reload rejected (${reason}): ${err.problems.length} problem(s) in ${this.file}; the running pipeline is unchanged — fix the file and reload again`);
      } else {
        outcome = 'failed';
        this.logger.error(`reload failed (${reason}): ${errorMessage(err)}`);
      }
    }
    metrics.inc(METRIC.CONFIG_RELOADS_TOTAL, { result: outcome });
    this.lastSuccessful = outcome === 'rejected' || outcome === 'failed' ? 0 : 1;
    if (this.lastSuccessful) this.lastSuccessAt = Date.now();
  }
}

/** The file's contents: pipeline files are small, and comparing them needs no hash (nor node:crypto, 10 ms at every start). */
function contentsOf(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}
