import { Readable } from 'node:stream';
import { Ack } from '../../core/ack.js';
import { Backoff, sleep } from '../../core/backoff.js';
import { LogshipError, errorMessage, isRetriable } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Counter, Metrics } from '../../core/metrics.js';
import type { ContainerMeta, LogRecord, Stream } from '../../core/record.js';
import { minusSeconds, toDockerSince } from '../../core/timestamp.js';
import { Watermark } from '../../core/watermark.js';
import { deepFreeze } from '../../core/record-json.js';
import type { RecordSink } from '../../plugins/types.js';
import type { ContainerInfo, DockerService } from '../../services/docker.js';
import { earliest, type ContainerCheckpoint } from './checkpoint.js';
import type { ContainerFilter } from './container-filter.js';
import { FrameDemuxer } from './frame-demuxer.js';
import { LineAssembler } from './line-assembler.js';
import type { LogMessage, MessageParser } from './log-message.js';
import { StreamCursor, type StreamPosition } from './stream-cursor.js';
import { TtyParser } from './tty-parser.js';

export interface FollowerContext {
  inputId: string;
  docker: DockerService;
  sink: RecordSink;
  filter: ContainerFilter;
  /** Frozen, shared by every record. */
  host: { readonly name: string };
  maxLineBytes: number;
  logger: Logger;
  metrics: Metrics;
  /** Counters bumped per line. */
  counters: { records: Counter; bytes: Counter; repeatedSkipped: Counter; truncated: Counter };
  signal: AbortSignal;
  /** Where to start reading a running container seen for the first time at start-up (RFC3339). */
  firstSince: () => string;
  /** The input's `tag` template, when it has one. */
  tag?: (record: LogRecord) => string;
}

export interface KickReason {
  /** Found by the first listing after start-up (start_at applies). */
  initial?: boolean;
  /** Found by a listing: stopped containers that finished before this time are history, not read. */
  discoveredAfter?: number;
  /** A start event: ask for the log before inspecting. */
  justStarted?: boolean;
  /** Name, image and labels from that event, in case the container is gone before inspect answers. */
  seen?: { name: string; image: string; labels: Record<string, string> };
}

type FollowerState = 'new' | 'active' | 'ignored' | 'gone';

interface StreamState {
  cursor: StreamCursor;
  settled: Watermark<StreamPosition>;
  assembler: LineAssembler;
  /** Cursor position before the first piece of the line being assembled. */
  beforePieces: StreamPosition | undefined;
}

/**
 * Reads one container's log for as long as it exists: follows it while it runs, reads the rest
 * after it stops, reopens on restart, and keeps the per-stream positions that make every line
 * appear exactly once. Discovery decides which containers get a follower.
 */
export class ContainerFollower {
  private state: FollowerState = 'new';
  private meta: ContainerMeta | undefined;
  private tag = '';
  /** From inspect; undefined when the container vanished first (the stream tells). */
  private tty: boolean | undefined = false;
  private seen: KickReason['seen'];
  private readonly streams = new Map<Stream, StreamState>();
  private newestRead: string | undefined;
  /** Earliest timestamp that must be read again because a line was cut off by a stream end. */
  private rewoundTo: string | undefined;
  private loop: Promise<void> | undefined;
  private wanted = false;
  private activeStream: Readable | undefined;
  private failing = false;
  /** Where reading starts when nothing has been read yet in this run. */
  private baseSince: string | undefined;
  private prefetch: Promise<Buffer[]> | undefined;
  /** Set when a listing found the container; see worthReading(). */
  private discoveredAfter: number | undefined;
  /** A follow stream is being read (a `die` now should fetch the end of the log). */
  private followingNow = false;
  /** A log request sent on a start event, before inspect answered. */
  private earlyOpen = false;
  /** Set by a start event: open the log before inspecting. */
  private justStarted = false;
  /** Set by onMessage when the sink asked the source to pause. */
  private paused = false;

  constructor(
    readonly id: string,
    private readonly ctx: FollowerContext,
    private readonly restored: ContainerCheckpoint | undefined,
  ) {}

  /** Asks for a read cycle: start following if running, else read what is left. */
  kick(reason: KickReason = {}): void {
    this.wanted = true;
    if (reason.justStarted) this.justStarted = true;
    if (reason.seen) this.seen = reason.seen;
    this.baseSince ??= this.restored?.since ?? (reason.initial ? this.ctx.firstSince() : EPOCH);
    // an event is news about this container: it overrides a listing's "history" judgement
    this.discoveredAfter = reason.discoveredAfter;
    this.loop ??= this.run().finally(() => {
      this.loop = undefined;
    });
  }

  get idle(): boolean {
    return this.loop === undefined;
  }

  /** Re-reads metadata (after a rename), without disturbing an open stream. */
  async refresh(): Promise<void> {
    try {
      this.apply(await this.ctx.docker.inspect(this.id));
    } catch {
      // the read loop notices a gone container on its own
    }
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

  get pendingRecords(): number {
    let n = 0;
    for (const s of this.streams.values()) n += s.settled.pendingCount;
    return n;
  }

  /** Waits for the current read cycle to end (after abort). */
  async stopped(): Promise<void> {
    this.activeStream?.destroy();
    await this.loop;
  }

  /** The checkpoint over settled records only; undefined when there is nothing to keep. */
  checkpoint(): ContainerCheckpoint | undefined {
    if (this.state === 'ignored' || this.state === 'new') return this.state === 'new' ? this.restored : undefined;
    const streams: ContainerCheckpoint['streams'] = { ...this.restored?.streams };
    for (const [name, s] of this.streams) {
      const value = s.settled.value;
      if (value) streams[name] = value;
    }
    const unsettled = [...this.streams.values()].map((s) => s.settled.oldestPending?.ts);
    const since = earliest([this.readFloor(), ...unsettled]) ?? this.baseSince ?? EPOCH;
    return { name: this.meta?.name ?? this.restored?.name ?? '', since, streams };
  }

  private async run(): Promise<void> {
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
          if (early && this.seen && err instanceof LogshipError && err.code === 'CONTAINER_GONE') return this.vanished(this.seen);
          await early?.then((s) => s.destroy(), () => undefined);
          throw err;
        });
        this.apply(info);
        this.ctx.logger.trace({ container: this.id.slice(0, 12), running: info.running }, 'docker_logs: inspected');
        if (!this.ctx.filter.matches(info) || !this.worthReading(info, this.discoveredAfter)) {
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
        if (prefetched) {
          for (const st of this.streams.values()) st.cursor.reopen();
          await this.consume(Readable.from(prefetched), false);
        } else {
          await this.consume(await this.open(false), false);
        }
        if (signal.aborted) return;
        if ((early || info.running) && (await docker.inspect(this.id)).running) {
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
        if (err instanceof LogshipError && err.code === 'CONTAINER_GONE') {
          if (this.newestRead === undefined && this.state !== 'ignored') {
            this.ctx.metrics.inc('docker_logs_containers_missed_total', { input: this.ctx.inputId });
            this.ctx.logger.warn({ container: this.id.slice(0, 12) }, `docker_logs: container was removed before its log could be read (${errorMessage(err)})`);
          }
          this.state = 'gone';
          return;
        }
        if (!isRetriable(err)) {
          this.ctx.logger.warn({ container: this.id.slice(0, 12), code: (err as LogshipError).code }, `docker_logs: not reading container: ${errorMessage(err)}`);
          this.state = 'ignored';
          return;
        }
        this.failed(err);
        this.wanted = true;
        await sleep(backoff.nextDelayMs(), signal);
      }
    }
  }

  /**
   * Found by listing rather than by an event: a stopped container is read only if it has a
   * checkpoint or stopped after `discoveredAfter` (while nobody was watching), not for its history.
   */
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
    if (!info.autoRemove || this.newestRead !== undefined) return;
    this.ctx.metrics.inc('docker_logs_containers_missed_total', { input: this.ctx.inputId });
    this.ctx.logger.warn({ container: this.id.slice(0, 12) }, 'docker_logs: container was removed before its log could be read (auto-removed; its log read back empty)');
  }

  private worthReading(info: ContainerInfo, discoveredAfter: number | undefined): boolean {
    if (discoveredAfter === undefined || info.running || this.restored || this.state === 'active') return true;
    return Date.parse(info.finishedAt) > discoveredAfter;
  }

  private apply(info: ContainerInfo): void {
    if (info.logPath || info.startedAt) this.tty = info.tty;
    // frozen: shared by every record of this container, and serialised once
    this.meta = deepFreeze({ id: info.id, name: info.name, image: { name: info.image }, labels: { ...info.labels } });
    this.tag = `docker.main.${info.name.replace(/\./g, '_')}`;
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
    if (this.newestRead === undefined) return undefined;
    const candidates = [minusSeconds(this.newestRead, 1), this.rewoundTo];
    for (const st of this.streams.values()) candidates.push(st.assembler.pendingSince);
    return earliest(candidates);
  }

  private open(follow: boolean): Promise<Readable> {
    const since = this.openSince();
    for (const s of this.streams.values()) s.cursor.reopen();
    this.ctx.logger.debug({ container: this.id.slice(0, 12), follow, since }, 'docker_logs: opening log');
    return this.ctx.docker.logs(this.id, { follow, since });
  }

  private async consume(stream: Readable, follow: boolean): Promise<void> {
    this.activeStream = stream;
    this.followingNow = follow;
    this.earlyOpen = false;
    this.rewoundTo = undefined;
    let parser: MessageParser | undefined = this.tty === undefined ? undefined : this.parserFor(this.tty);
    let pausedForSpace = false;
    const abort = (): void => void stream.destroy();
    try {
      await new Promise<void>((resolve, reject) => {
        // a stream reset while inspect ran has already emitted its end: do not wait for it
        if (this.ctx.signal.aborted || stream.destroyed || stream.readableEnded) {
          stream.destroy();
          return resolve();
        }
        this.ctx.signal.addEventListener('abort', abort, { once: true });
        stream.on('data', (chunk: Buffer) => {
          this.paused = false;
          // not inspected: a multiplexed stream starts with frame type 1 or 2, a TTY one with a timestamp digit
          parser ??= this.parserFor(chunk[0] !== 1 && chunk[0] !== 2);
          parser.push(chunk);
          if (this.paused && !pausedForSpace) {
            pausedForSpace = true;
            stream.pause();
            this.ctx.metrics.inc('input_paused_total', { input: this.ctx.inputId });
            void this.ctx.sink.waitForSpace().then(() => {
              pausedForSpace = false;
              stream.resume();
            });
          }
        });
        stream.once('end', () => {
          if (!follow) parser?.flush();
          resolve();
        });
        stream.once('close', resolve);
        stream.once('error', (err) => reject(toReadError(err)));
      });
    } finally {
      this.ctx.signal.removeEventListener('abort', abort);
      this.activeStream = undefined;
      this.followingNow = false;
      this.abandonPartialLines();
    }
  }

  private onMessage(message: LogMessage): void {
    if (this.newestRead === undefined || message.timestamp > this.newestRead) this.newestRead = message.timestamp;
    const s = this.streamState(message.stream);
    const before = s.cursor.position;
    const position = s.cursor.next(message.timestamp);
    if (!position) {
      this.ctx.counters.repeatedSkipped.inc();
      return;
    }
    if (s.assembler.pendingSince === undefined && !message.terminated) s.beforePieces = before;
    const line = s.assembler.push(message);
    if (!line) return;
    const record: LogRecord = {
      '@timestamp': line.timestamp,
      message: line.text,
      stream: message.stream,
      source: 'main',
      tag: this.tag,
      container: this.meta as ContainerMeta,
      host: this.ctx.host,
    };
    if (line.originalBytes !== undefined) {
      record.log = { truncated: true, original_bytes: line.originalBytes };
      this.ctx.counters.truncated.inc();
    }
    if (this.ctx.tag) record.tag = this.ctx.tag(record);
    const seq = s.settled.add(position);
    const ack = new Ack(() => s.settled.settle(seq));
    const bytes = line.text.length + 256;
    this.ctx.counters.records.inc();
    this.ctx.counters.bytes.inc(line.text.length);
    const origin = `${this.id}/${message.stream}/${position.ts}/${position.count}`;
    if (!this.ctx.sink.offer({ record, ack, bytes, origin })) this.paused = true;
  }

  private parserFor(tty: boolean): MessageParser {
    return tty
      ? new TtyParser((m) => this.onMessage(m), (r) => this.invalid(r))
      : new FrameDemuxer((m) => this.onMessage(m), (r) => this.invalid(r));
  }

  /** A line cut off by the end of a stream is read again, whole, from the next open. */
  private abandonPartialLines(): void {
    for (const s of this.streams.values()) {
      const since = s.assembler.pendingSince;
      if (since === undefined) continue;
      s.cursor.rewind(s.beforePieces);
      this.rewoundTo = earliest([this.rewoundTo, since]);
      s.assembler.reset();
    }
  }

  private streamState(stream: Stream): StreamState {
    let s = this.streams.get(stream);
    if (!s) {
      const start = this.restored?.streams[stream];
      s = {
        cursor: new StreamCursor(start),
        settled: new Watermark<StreamPosition>(start),
        assembler: new LineAssembler(this.ctx.maxLineBytes),
        beforePieces: undefined,
      };
      this.streams.set(stream, s);
    }
    return s;
  }

  private invalid(reason: string): void {
    this.ctx.metrics.inc('docker_logs_invalid_frames_total', { input: this.ctx.inputId });
    this.ctx.logger.debug({ container: this.id.slice(0, 12) }, `docker_logs: ${reason}`);
  }

  private failed(err: unknown): void {
    this.ctx.metrics.inc('docker_errors_total', { input: this.ctx.inputId });
    if (this.failing) return;
    this.failing = true;
    this.ctx.logger.warn({ container: this.id.slice(0, 12), code: (err as LogshipError).code }, `docker_logs: reading failed, retrying with backoff: ${errorMessage(err)}`);
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = false;
    this.ctx.logger.info({ container: this.id.slice(0, 12) }, 'docker_logs: reading again');
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

const EPOCH = '1970-01-01T00:00:00.000000000Z';

function toReadError(err: unknown): LogshipError {
  if (err instanceof LogshipError) return err;
  return new LogshipError('DOCKER_STREAM', `log stream broke: ${errorMessage(err)}`, { retriable: true, cause: err });
}
