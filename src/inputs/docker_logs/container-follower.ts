import { Readable } from 'node:stream';
import { Backoff, sleep } from '../../core/backoff.js';
import { LogshipError, errorMessage } from '../../core/errors.js';
import type { ContainerMeta } from '../../core/record.js';
import { normalizeTimestamp, toDockerSince } from '../../core/timestamp.js';
import type { ContainerInfo } from '../../services/docker.js';
import { earliest, type ContainerCheckpoint } from './checkpoint.js';
import { EPOCH, FollowerBase } from './follower-base.js';
import { worthReading, type Follower, type KickReason } from './follower-context.js';
import { FrameDemuxer } from './frame-demuxer.js';
import type { LogMessage, MessageParser } from './log-message.js';
import { TtyParser } from './tty-parser.js';
import { METRIC } from '../../core/metric-names.js';
import { ErrorCode } from '../../core/error-codes.js';

type FollowerState = 'new' | 'active' | 'ignored' | 'gone';

/**
 * Reads one container's log for as long as it exists: follows it while it runs, reads the rest
 * after it stops, reopens on restart, and keeps the per-stream positions from which it resumes
 * without skipping a line or reading a delivered one again (after a kill -9: again since the
 * last checkpoint; see docs/delivery-guarantees.md). Discovery decides which containers get a follower.
 */
export class ContainerFollower extends FollowerBase implements Follower {
  readonly mode = 'api';
  private state: FollowerState = 'new';
  private meta: ContainerMeta | undefined;
  /** From inspect; undefined when the container vanished first (the stream tells). */
  private tty: boolean | undefined = false;
  private seen: KickReason['seen'];
  /** Earliest timestamp that must be read again because a line was cut off by a stream end. */
  private rewoundTo: string | undefined;
  private activeStream: Readable | undefined;
  private prefetch: Promise<Buffer[]> | undefined;
  /** A follow stream is being read (a `die` now should fetch the end of the log). */
  private followingNow = false;
  /** A log request sent on a start event, before inspect answered. */
  private earlyOpen = false;
  /** Set by a start event: open the log before inspecting. */
  private justStarted = false;
  /** Whether every message of the chunk being parsed found room in the sink. */
  private room = true;
  protected override noteKick(reason: KickReason): void {
    if (reason.justStarted) this.justStarted = true;
    if (reason.seen) this.seen = reason.seen;
  }

  get finished(): boolean {
    return (this.state === 'gone' || this.state === 'ignored') && this.loop === undefined && this.pendingRecords === 0;
  }

  get ignored(): boolean {
    return this.state === 'ignored';
  }

  get following(): boolean {
    return this.activeStream !== undefined;
  }

  /** Waits for the current read cycle to end (after abort). */
  async stopped(): Promise<void> {
    this.activeStream?.destroy();
    await this.loop;
  }

  /** The checkpoint over settled records only; undefined when there is nothing to keep. */
  checkpoint(): ContainerCheckpoint | undefined {
    if (this.state === 'ignored' || this.state === 'new') return this.state === 'new' ? this.restored : undefined;
    const since = earliest([this.readFloor(), ...this.lines.oldestUnsettled()]) ?? this.baseSince ?? EPOCH;
    return { name: this.meta?.name ?? this.restored?.name ?? '', since, streams: this.lines.settledStreams() };
  }

  protected async run(): Promise<void> {
    const backoff = new Backoff(200, 10_000);
    const { docker, signal } = this.ctx;
    while (this.wanted && !signal.aborted) {
      this.wanted = false;
      try {
        // a container that just started may live for milliseconds and be auto-removed: ask for its
        // log at once, while inspect runs, instead of after it
        const early = this.justStarted ? this.open(true) : undefined;
        this.justStarted = false;
        this.earlyOpen = early !== undefined;
        early?.catch(() => undefined);
        const info = await docker.inspect(this.id).catch(async (err: unknown) => {
          // auto-removed before inspect answered, but the early request may hold its whole log
          if (early && this.seen && err instanceof LogshipError && err.code === ErrorCode.CONTAINER_GONE) return this.vanished(this.seen);
          await early?.then((s) => s.destroy(), () => undefined);
          throw err;
        });
        this.apply(info);
        this.ctx.logger.trace({ container: this.id.slice(0, 12), running: info.running }, 'docker_logs: inspected');
        if (!this.ctx.filter.matches(info) || !worthReading(info, this.discoveredAfter, this.restored !== undefined || this.state === 'active')) {
          this.earlyOpen = false;
          this.prefetch = undefined;
          await early?.then((s) => s.destroy(), () => undefined);
          if (this.wanted) continue;
          this.state = this.state === 'active' ? 'active' : 'ignored';
          return;
        }
        this.state = 'active';
        if (early || info.running) {
          await this.consume(await (early ?? this.open(true)), true);
          if (signal.aborted) return;
        }
        // the container stopped (or never ran): read to the end at once, before an auto-remove
        // can take the log away; the follow stream often misses an unterminated last line
        const prefetched = await this.takePrefetch();
        let readToEnd: boolean;
        if (prefetched) {
          this.lines.reopen();
          readToEnd = await this.consume(Readable.from(prefetched), false);
        } else {
          readToEnd = await this.consume(await this.open(false), false);
        }
        if (signal.aborted) return;
        if (await this.runsAgain(early !== undefined || info.running, readToEnd)) {
          // the follow stream ended under a running container (restart, daemon hiccup): go on
          this.wanted = true;
          await sleep(backoff.nextDelayMs(), signal);
          continue;
        }
        this.recovered();
        backoff.reset();
        this.reportIfVanished(info);
      } catch (err) {
        this.earlyOpen = false;
        this.prefetch = undefined;
        if (signal.aborted) return;
        if (err instanceof LogshipError && err.code === ErrorCode.CONTAINER_GONE) {
          if (this.lines.newestRead === undefined && this.state !== 'ignored') {
            this.ctx.metrics.inc(METRIC.DOCKER_LOGS_CONTAINERS_MISSED_TOTAL, { input: this.ctx.inputId });
            this.ctx.logger.warn({ container: this.id.slice(0, 12) }, `docker_logs: container was removed before its log could be read (${errorMessage(err)})`);
          }
          this.state = 'gone';
          return;
        }
        if (await this.retryOrGiveUp(err, backoff)) {
          this.state = 'ignored';
          return;
        }
      }
    }
  }

  /** What is known of a container that vanished before it could be inspected: TTY is told by the stream. */
  private vanished(seen: { name: string; image: string; labels: Record<string, string> }): ContainerInfo {
    this.tty = undefined;
    return { id: this.id, name: seen.name, image: seen.image, labels: seen.labels, tty: false, running: false, logDriver: 'json-file', logPath: '', startedAt: '', finishedAt: '', autoRemove: true };
  }

  /**
   * An auto-removed container whose log read back empty was most likely deleted before the daemon
   * served our requests; say so instead of shipping nothing silently.
   */
  private reportIfVanished(info: ContainerInfo): void {
    if (!info.autoRemove || this.lines.newestRead !== undefined) return;
    this.ctx.metrics.inc(METRIC.DOCKER_LOGS_CONTAINERS_MISSED_TOTAL, { input: this.ctx.inputId });
    this.ctx.logger.warn({ container: this.id.slice(0, 12) }, 'docker_logs: container was removed before its log could be read (auto-removed; its log read back empty)');
  }

  protected apply(info: ContainerInfo): void {
    if (info.logPath || info.startedAt) this.tty = info.tty;
    this.meta = this.describe(info);
  }

  private openSince(): string {
    return toDockerSince(this.readFloor() ?? this.baseSince ?? EPOCH);
  }

  /**
   * On `die`: fetch the end of the log right away. An auto-removed container's log disappears
   * within milliseconds, and the follow stream often ends without the unterminated last line.
   */
  onDie(): void {
    // only for a log being followed (or about to be, from a start event): a replayed `die` at
    // start-up must not pull a whole old log into memory
    if (this.prefetch || this.state === 'ignored' || !(this.followingNow || this.earlyOpen)) return;
    const since = toDockerSince(this.readFloor() ?? this.baseSince ?? EPOCH);
    this.ctx.logger.debug({ container: this.id.slice(0, 12), since }, 'docker_logs: reading the end of the log at die');
    this.prefetch = this.ctx.docker.logs(this.id, { follow: false, since }).then(readAll);
    this.prefetch.catch(() => undefined);
  }

  private async takePrefetch(): Promise<Buffer[] | undefined> {
    const prefetch = this.prefetch;
    this.prefetch = undefined;
    return prefetch?.catch(() => undefined);
  }

  /** Earliest timestamp not yet read completely, over all streams of this container. */
  private readFloor(): string | undefined {
    const floor = this.lines.readFloor();
    return floor === undefined ? undefined : earliest([floor, this.rewoundTo]);
  }

  private open(follow: boolean): Promise<Readable> {
    const since = this.openSince();
    this.lines.reopen();
    this.ctx.logger.debug({ container: this.id.slice(0, 12), follow, since }, 'docker_logs: opening log');
    return this.ctx.docker.logs(this.id, { follow, since });
  }

  /** Reads one log stream; true when a read without follow got to its end. */
  private async consume(stream: Readable, follow: boolean): Promise<boolean> {
    let readToEnd = false;
    this.activeStream = stream;
    this.followingNow = follow;
    this.earlyOpen = false;
    this.rewoundTo = undefined;
    let parser: MessageParser | undefined = this.tty === undefined ? undefined : this.parserFor(this.tty);
    const abort = (): void => void stream.destroy();
    try {
      await new Promise<void>((resolve, reject) => {
        // a stream reset while inspect ran has already emitted its end: do not wait for it
        if (this.ctx.signal.aborted || stream.destroyed || stream.readableEnded) {
          stream.destroy();
          return resolve();
        }
        this.ctx.signal.addEventListener('abort', abort, { once: true });
        this.ctx.sink.pipe(stream, (chunk) => {
          this.room = true;
          // not inspected: a multiplexed stream starts with frame type 1 or 2, a TTY one with a timestamp digit
          parser ??= this.parserFor(chunk[0] !== 1 && chunk[0] !== 2);
          parser.push(chunk);
          return this.room;
        });
        stream.once('end', () => {
          if (!follow) {
            parser?.flush();
            readToEnd = true;
          }
          resolve();
        });
        stream.once('close', resolve);
        stream.once('error', (err) => reject(toReadError(err)));
      });
    } finally {
      this.ctx.signal.removeEventListener('abort', abort);
      this.activeStream = undefined;
      this.followingNow = false;
      // at the end of the whole log, whether a line being joined ended there is runsAgain()'s to say
      if (!readToEnd) this.abandonPartialLines();
    }
    return readToEnd;
  }

  /**
   * After the log was read without follow: whether the container runs (again), asked only when it
   * was being followed or a line is still being joined. Such a line ended with the container's
   * output (the last piece had no newline; the daemon stores no more of it), unless it started
   * after the container's current run did.
   */
  private async runsAgain(followed: boolean, readToEnd: boolean): Promise<boolean> {
    const joining = readToEnd && this.lines.pendingSince !== undefined;
    if (!followed && !joining) return false;
    try {
      const info = await this.ctx.docker.inspect(this.id);
      // an unreadable start time ends nothing: the line is read again with the next open
      if (joining) this.lines.endPartialLines(info.running ? (normalizeTimestamp(info.startedAt) ?? '') : undefined);
      return followed && info.running;
    } catch (err) {
      // removed: it writes no more
      if (joining && err instanceof LogshipError && err.code === ErrorCode.CONTAINER_GONE) this.lines.endPartialLines();
      throw err;
    } finally {
      this.abandonPartialLines();
    }
  }

  private parserFor(tty: boolean): MessageParser {
    const onMessage = (m: LogMessage): void => {
      if (!this.lines.push(m)) this.room = false;
    };
    return tty ? new TtyParser(onMessage, (r) => this.invalid(r)) : new FrameDemuxer(onMessage, (r) => this.invalid(r));
  }

  /** A line cut off by the end of a stream is read again, whole, from the next open. */
  private abandonPartialLines(): void {
    this.rewoundTo = earliest([this.rewoundTo, this.lines.abandonPartialLines()]);
  }

  private invalid(reason: string): void {
    this.ctx.metrics.inc(METRIC.DOCKER_LOGS_INVALID_FRAMES_TOTAL, { input: this.ctx.inputId });
    this.ctx.logger.debug({ container: this.id.slice(0, 12) }, `docker_logs: ${reason}`);
  }
}

const MAX_PREFETCH_BYTES = 64 * 1024 * 1024;

async function readAll(stream: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    bytes += (chunk as Buffer).length;
    if (bytes > MAX_PREFETCH_BYTES) {
      stream.destroy();
      throw new Error('log tail too large to prefetch');
    }
  }
  return chunks;
}


function toReadError(err: unknown): LogshipError {
  if (err instanceof LogshipError) return err;
  return new LogshipError(ErrorCode.DOCKER_STREAM, `log stream broke: ${errorMessage(err)}`, { retriable: true, cause: err });
}
