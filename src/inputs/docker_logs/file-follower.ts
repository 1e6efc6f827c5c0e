import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Backoff } from '../../core/backoff.js';
import { LogshipError, errorMessage } from '../../core/errors.js';
import { normalizeTimestamp } from '../../core/timestamp.js';
import type { ContainerInfo } from '../../services/docker.js';
import { earliest, type ContainerCheckpoint, type FilePosition } from './checkpoint.js';
import { EPOCH, FollowerBase } from './follower-base.js';
import { worthReading, type Follower, type KickReason } from './follower-context.js';
import { JsonFileTailer } from './json-file/json-file-tailer.js';
import { METRIC } from '../../core/metric-names.js';
import { ErrorCode } from '../../core/error-codes.js';

type State = 'new' | 'active' | 'ignored' | 'gone' | 'handed-over';

/**
 * Reads one container's json-file log directly (mode file, or auto when the file is readable):
 * the API still says which containers exist, what they are called and when they start and stop;
 * the lines come from the file, through rotation, at the speed of the disk and without dockerd.
 * Records, cursors and checkpoints are those of the API reader (ContainerLines), plus the
 * file and byte offset to reopen at.
 */
export class FileFollower extends FollowerBase implements Follower {
  readonly mode = 'file';
  private state: State = 'new';
  private tailer: JsonFileTailer | undefined;
  private name = '';
  private readingLive = false;
  /** Where to reopen after the tailer was closed for a stopped container (this run's own position). */
  private resumeAt: FilePosition | undefined;

  get finished(): boolean {
    return ['gone', 'ignored', 'handed-over'].includes(this.state) && this.loop === undefined && this.pendingRecords === 0;
  }

  get ignored(): boolean {
    return this.state === 'ignored';
  }

  get following(): boolean {
    return this.readingLive;
  }

  async stopped(): Promise<void> {
    this.tailer?.stopFollowing();
    await this.loop;
    await this.tailer?.close();
  }

  onDie(): void {
    this.tailer?.stopFollowing();
  }

  checkpoint(): ContainerCheckpoint | undefined {
    if (this.state === 'new') return this.restored;
    if (this.state === 'ignored' || this.state === 'handed-over') return undefined;
    const since = earliest([this.lines.readFloor(), ...this.lines.oldestUnsettled()]) ?? this.baseSince ?? EPOCH;
    const checkpoint: ContainerCheckpoint = { name: this.name || (this.restored?.name ?? ''), since, streams: this.lines.settledStreams() };
    const file = this.lines.settledFilePosition;
    if (file) checkpoint.file = file;
    return checkpoint;
  }

  protected async run(firstReason: KickReason): Promise<void> {
    const backoff = new Backoff(200, 10_000);
    const { docker, signal } = this.ctx;
    while (this.wanted && !signal.aborted) {
      this.wanted = false;
      try {
        const info = await docker.inspect(this.id);
        this.apply(info);
        if (!this.ctx.filter.matches(info) || !worthReading(info, this.discoveredAfter, this.restored !== undefined || this.state === 'active')) {
          if (this.wanted) continue;
          if (this.state !== 'active') this.state = 'ignored';
          return;
        }
        if (!this.tailer) {
          const problem = await this.unreadable(info);
          if (problem) {
            if (this.ctx.mode === 'auto') {
              this.state = 'handed-over';
              this.ctx.fallBack(this.id, problem.reason, firstReason, problem.why);
            } else if (problem.why === 'vanished') {
              this.reportMissed(problem.reason);
              this.state = 'ignored';
            } else {
              this.ctx.metrics.inc(METRIC.DOCKER_LOGS_FILE_UNREADABLE_TOTAL, { input: this.ctx.inputId });
              this.ctx.logger.error({ container: this.id.slice(0, 12) }, `docker_logs: cannot read container ${info.name} in mode file: ${problem.reason}; skipping it (the other containers go on) — mount the log folder or use mode: auto`);
              this.state = 'ignored';
            }
            return;
          }
          await this.openTailer(info);
        }
        this.state = 'active';
        this.readingLive = info.running;
        try {
          await (this.tailer as JsonFileTailer).read(info.running);
        } finally {
          this.readingLive = false;
        }
        if (signal.aborted) return;
        // read() returns after a die; a quick restart means there is more to follow
        const joining = this.lines.pendingSince !== undefined;
        const now = info.running || joining ? await docker.inspect(this.id) : undefined;
        if (info.running && now?.running) this.wanted = true;
        else {
          // read to the end after it stopped: a line being joined ended with its output (the last
          // piece had no newline), unless it started after the container's current run did
          if (joining) this.lines.endPartialLines(now?.running ? (normalizeTimestamp(now.startedAt) ?? '') : undefined);
          // stopped: no open files kept for it (thousands of stopped containers would hold
          // thousands of descriptors); a start reopens where this left off
          await this.closeTailer();
        }
        this.recovered();
        backoff.reset();
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof LogshipError && err.code === ErrorCode.CONTAINER_GONE) {
          if (this.state === 'new' && this.ctx.mode === 'auto') {
            // gone before its log file could be opened (an auto-removed container that lived
            // milliseconds): the API reader asks for the log at once and reports it if that fails
            this.state = 'handed-over';
            this.ctx.fallBack(this.id, 'the container was removed before its json-file log could be opened', firstReason, 'vanished');
            return;
          }
          if (this.state === 'new') this.reportMissed(errorMessage(err));
          // removed: the open files are still readable; finish them, and the line being joined
          // with them (it writes no more)
          await this.tailer?.read(false).catch(() => undefined);
          this.lines.endPartialLines();
          await this.closeTailer();
          this.state = this.state === 'new' ? 'ignored' : 'gone';
          return;
        }
        if (await this.retryOrGiveUp(err, backoff)) {
          this.state = 'ignored';
          return;
        }
      }
    }
  }

  private reportMissed(reason: string): void {
    this.ctx.metrics.inc(METRIC.DOCKER_LOGS_CONTAINERS_MISSED_TOTAL, { input: this.ctx.inputId });
    this.ctx.logger.warn({ container: this.id.slice(0, 12) }, `docker_logs: container was removed before its log could be read (${reason})`);
  }

  private async closeTailer(): Promise<void> {
    const tailer = this.tailer;
    if (!tailer) return;
    const piece = this.lines.earliestPiece();
    const at = piece ?? tailer.position();
    this.lines.abandonPartialLines();
    if (at) this.resumeAt = { dev: at.dev, ino: at.ino, offset: piece ? piece.offset : at.offset, first: at.first };
    this.tailer = undefined;
    await tailer.close();
  }

  private async openTailer(info: ContainerInfo): Promise<void> {
    const floor = this.baseSince ?? EPOCH;
    // whether every message of the chunk being read found room in the sink
    let room = true;
    const tailer = new JsonFileTailer({
      logPath: this.logPathOf(info),
      tty: info.tty,
      signal: this.ctx.signal,
      onMessage: (message, file, end, entryBytes) => {
        // older than where this container's reading starts (start_at: end, or a restored since)
        if (message.timestamp < floor) return;
        if (!this.lines.push(message, file, end, entryBytes)) room = false;
      },
      paused: () => {
        const full = !room;
        room = true;
        return full;
      },
      waitForSpace: () => this.ctx.sink.waitForRoom(),
      onInvalid: (reason) => {
        this.ctx.metrics.inc(METRIC.DOCKER_LOGS_INVALID_FRAMES_TOTAL, { input: this.ctx.inputId });
        this.ctx.logger.debug({ container: this.id.slice(0, 12) }, `docker_logs: ${reason}`);
      },
    });
    this.lines.trackFile(this.restored?.file);
    const reopening = this.resumeAt !== undefined;
    const resumed = tailer.open(this.resumeAt ?? this.restored?.file);
    this.tailer = tailer;
    if (reopening) return;
    this.ctx.logger.info(
      { container: this.id.slice(0, 12), mode: 'file', log_path: this.logPathOf(info) },
      `docker_logs: reading ${info.name} from its json-file log${this.restored ? (resumed ? ' (resuming at the checkpointed byte)' : ' (resuming by timestamp: the checkpointed file is gone or from the API mode)') : ''}`,
    );
  }

  /**
   * Why the json-file log cannot be read here, or undefined when it can: `unreadable` when this
   * shipper cannot see the logs (no mount, permissions, another driver), `vanished` when the
   * folder is there but this container's file is already gone (removed right after it ran).
   */
  private async unreadable(info: ContainerInfo): Promise<{ reason: string; why: 'unreadable' | 'vanished' } | undefined> {
    if (info.logDriver !== 'json-file') return { reason: `its log driver is ${info.logDriver}, not json-file`, why: 'unreadable' };
    if (!info.logPath) return { reason: 'Docker reports no LogPath for it', why: 'unreadable' };
    const path = this.logPathOf(info);
    try {
      await access(dirname(path), constants.R_OK | constants.X_OK);
      await access(path, constants.R_OK);
      return undefined;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? errorMessage(err);
      const rootVisible = await access(dirname(dirname(path)), constants.R_OK | constants.X_OK).then(() => true, () => false);
      return { reason: `${path} is not readable here (${code})`, why: code === 'ENOENT' && rootVisible ? 'vanished' : 'unreadable' };
    }
  }

  /** LogPath as the shipper sees it: under logs_dir when the host's containers folder is mounted elsewhere. */
  private logPathOf(info: ContainerInfo): string {
    if (!this.ctx.logsDir) return info.logPath;
    return join(this.ctx.logsDir, basename(dirname(info.logPath)), basename(info.logPath));
  }

  protected apply(info: ContainerInfo): void {
    this.name = info.name;
    this.describe(info);
  }
}

