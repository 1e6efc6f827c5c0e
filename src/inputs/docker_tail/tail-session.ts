import type { Duplex } from 'node:stream';
import { Ack } from '../../core/ack.js';
import { Backoff, sleep } from '../../core/backoff.js';
import { LogshipError, errorMessage } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { Counter } from '../../core/metrics.js';
import type { ContainerMeta, LogRecord, PipelineEvent } from '../../core/record.js';
import { deepFreeze } from '../../core/record-json.js';
import { nowTimestamp } from '../../core/timestamp.js';
import { Watermark } from '../../core/watermark.js';
import type { Backpressure } from '../../plugins/backpressure.js';
import type { FrameStream } from '../../services/docker-frames.js';
import { pumpExecStream } from '../docker/exec-stream.js';
import { containerKubernetes, containerMetaBytes, containerTag } from '../docker/container-meta.js';
import type { DockerService } from '../../services/docker.js';
import { ByteLineSplitter, type SplitLine } from '../docker/line-splitter.js';
import { TailFrameReader } from './tail-frames.js';
import { tailCommand } from './tail-script.js';

/**
 * Where reading of one file stands: its inode (unknown until the wrapper's first marker), a byte
 * offset, and the file's fingerprint (MD5 of its first 64 bytes; absent or "-" until it has them),
 * which finds the file again when its inode is gone (compressed, or copied before a truncation).
 */
export interface FilePosition {
  inode: string | null;
  offset: number;
  fingerprint?: string;
  /**
   * How often this file (inode) was seen truncated (copytruncate, `> file`): its lines after a
   * truncation are another source for exactly-once outputs, even when its first 64 bytes (a
   * fixed header) give it the same fingerprint again.
   */
  generation?: number;
}

export interface TailContext {
  /** The input's id (positions name their input). */
  inputId: string;
  /** The input's `tag` template, when it has one. */
  tagTemplate?: (record: LogRecord) => string;
  docker: DockerService;
  /** Where records go; pauses the exec's output while the pipeline is full. */
  sink: Backpressure;
  host: { readonly name: string };
  maxLineBytes: number;
  logger: Logger;
  records: Counter;
  /** Counts an exec created in this container (the exec budget). */
  execCreated: (containerId: string) => void;
  /** Reports, once per container start, that the image lacks sh, tail or stat. */
  missingTool: (containerId: string, tool: string) => void;
  /** Counts lines the wrapper could not read (a rotated file compressed or deleted while the shipper was down…). */
  unread: Counter;
}

/** What the wrapper prints on stderr when it knows lines were not read; anything else there is debug talk. */
const WRAPPER_WARNING = 'logship-tail warning: ';

const LIVED_LONG_MS = 60_000;
const FINGERPRINT = /^(?:[0-9a-f]{32}|-)$/;
const KNOWN_FINGERPRINT = /^[0-9a-f]{32}$/;

/**
 * Follows one file in one container with one long-lived exec of the tail wrapper (`tail-script.ts`),
 * from the last delivered byte; re-runs it with backoff (at most one attempt a minute at the cap) if it ends while the
 * container runs; stops when the container stops or lacks the tools.
 */
export class TailSession {
  private readonly settled: Watermark<FilePosition>;
  private position: FilePosition;
  private loop: Promise<void> | undefined;
  private stdin: Duplex | undefined;
  private disabled = false;
  /**
   * This session's own: stop() aborts it. Sessions do not listen on the input's signal — dozens of
   * sessions each waiting on one shared signal is what Node reports as a listener leak.
   */
  private readonly stopping = new AbortController();
  private readonly command: string;
  private tag: string;
  private readonly logField: { file: { path: string } };
  private readonly execField: { command: string };

  constructor(
    private readonly containerId: string,
    private readonly path: string,
    private meta: ContainerMeta,
    restored: FilePosition | undefined,
    private readonly ctx: TailContext,
  ) {
    this.position = restored ?? { inode: null, offset: 0 };
    // from the state file: a count, or nothing
    const generation = this.position.generation;
    if (generation !== undefined && !(Number.isSafeInteger(generation) && generation > 0)) this.position = { inode: this.position.inode, offset: this.position.offset, ...(this.position.fingerprint === undefined ? {} : { fingerprint: this.position.fingerprint }) };
    // from the state file: handed to the wrapper only as a fingerprint it can compare
    if (this.position.fingerprint !== undefined && !FINGERPRINT.test(this.position.fingerprint)) this.position = { ...this.position, fingerprint: '-' };
    this.settled = new Watermark(restored);
    // what the wrapper does, follow the path by name across rotations, in the words users know
    this.command = `tail -F ${path}`;
    this.tag = containerTag('exec', meta.name);
    this.logField = deepFreeze({ file: { path } });
    this.execField = deepFreeze({ command: this.command });
  }

  /** (Re)starts following; after a container restart the tools are looked for again. */
  start(containerRestarted = false): void {
    if (containerRestarted) this.disabled = false;
    this.loop ??= this.run().finally(() => {
      this.loop = undefined;
    });
  }

  updateMeta(meta: ContainerMeta): void {
    this.meta = meta;
    this.tag = containerTag('exec', meta.name);
  }

  /** Ends stdin: the wrapper kills tail and exits. */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.stdin?.end();
    this.stdin?.destroy();
    await this.loop;
  }

  get idle(): boolean {
    return this.loop === undefined && this.settled.pendingCount === 0;
  }

  checkpoint(): FilePosition | undefined {
    return this.settled.value;
  }

  private async run(): Promise<void> {
    const backoff = new Backoff(1000, 60_000);
    const { signal } = this.stopping;
    while (!signal.aborted && !this.disabled) {
      const startedAt = Date.now();
      let exitCode: number | null = null;
      try {
        const { execId, stream } = await this.ctx.docker.startExec(this.containerId, tailCommand(this.path, this.position.inode ?? 'any', this.position.offset, this.position.fingerprint));
        this.ctx.execCreated(this.containerId);
        await this.consume(stream);
        exitCode = await this.ctx.docker.execExitCode(execId).catch(() => null);
      } catch (err) {
        if (err instanceof LogshipError && !err.retriable) return;
        this.ctx.logger.debug({ container: this.containerId.slice(0, 12), path: this.path }, `docker_tail: ${errorMessage(err)}`);
      }
      if (signal.aborted || this.disabled) return;
      // 137: the container was stopped; its start event brings us back
      if (exitCode === 137) return;
      if (exitCode === 126 || exitCode === 127) {
        if (!this.disabled) this.ctx.missingTool(this.containerId, 'sh');
        this.disabled = true;
        return;
      }
      if (Date.now() - startedAt > LIVED_LONG_MS) backoff.reset();
      await sleep(backoff.nextDelayMs(), signal);
    }
  }

  private consume(stream: Duplex): Promise<void> {
    this.stdin = stream;
    const where = { container: this.containerId.slice(0, 12), path: this.path };
    const splitter = new ByteLineSplitter(this.ctx.maxLineBytes, this.position.offset);
    let room = true;
    const onLine = (line: SplitLine): void => {
      const { inode, fingerprint, generation } = this.position;
      const position: FilePosition = { inode, offset: line.end, ...(fingerprint === undefined ? {} : { fingerprint }), ...(generation ? { generation } : {}) };
      this.position = position;
      if (!this.emit(line.text, position, line.originalBytes)) room = false;
    };
    const frames = new TailFrameReader({
      // before the wrapper's first header, output is the runtime's (e.g. "sh": not found), never file content
      preamble: (line) => {
        const missing = /^logship-tail missing (\w+)$/.exec(line);
        if (missing) {
          this.ctx.missingTool(this.containerId, missing[1] as string);
          this.disabled = true;
        } else this.ctx.logger.debug(where, `docker_tail: ${line}`);
      },
      header: (inode, offset, _length, fingerprint) => {
        if (inode === this.position.inode && offset === splitter.nextOffset) {
          // known once the file has 64 bytes, so it may come with a later frame of the same file
          if (fingerprint !== this.position.fingerprint) this.position = { ...this.position, fingerprint };
          return;
        }
        // another file, or this one from another byte (truncated): the partial last line so far was that file's last
        splitter.flush(onLine);
        const sameFile = inode === this.position.inode;
        const generation = sameFile ? (this.position.generation ?? 0) + (offset < splitter.nextOffset ? 1 : 0) : 0;
        splitter.reset(offset);
        this.position = { inode, offset, fingerprint, ...(generation ? { generation } : {}) };
      },
      content: (bytes) => {
        room = true;
        splitter.push(bytes, onLine);
        return room;
      },
      invalid: (reason) => {
        this.ctx.logger.warn(where, `docker_tail: the wrapper's output broke its framing (${reason}); starting it again`);
        stream.destroy();
      },
    });
    const onFrame = (kind: FrameStream, payload: Buffer): boolean => {
      if (kind === 'stdout') return frames.push(payload);
      for (const line of payload.toString('utf8').split('\n')) {
        if (!line) continue;
        if (!line.startsWith(WRAPPER_WARNING)) {
          this.ctx.logger.debug(where, `docker_tail: ${line}`);
          continue;
        }
        this.ctx.unread.inc();
        // the wrapper's own words, bounded: the file name in them comes from the container
        this.ctx.logger.warn(where, `docker_tail: ${line.slice(WRAPPER_WARNING.length, WRAPPER_WARNING.length + 500)}`);
      }
      return true;
    };
    return pumpExecStream(stream, this.stopping.signal, this.ctx.sink, onFrame).finally(() => {
      this.stdin = undefined;
    });
  }

  private emit(text: string, position: FilePosition, originalBytes?: number): boolean {
    // frozen and shared by every record of this file: serialised once (record-json caches them)
    const log = originalBytes === undefined ? this.logField : { file: this.logField.file, truncated: true, original_bytes: originalBytes };
    const record: LogRecord = {
      '@timestamp': nowTimestamp(),
      message: text,
      stream: 'stdout',
      source: 'exec',
      tag: this.tag,
      container: this.meta,
      host: this.ctx.host,
    };
    // after host, as docker_logs puts it
    const pod = containerKubernetes(this.meta);
    if (pod) record.kubernetes = pod;
    record.log = log;
    record.exec = this.execField;
    if (this.ctx.tagTemplate) record.tag = this.ctx.tagTemplate(record);
    const seq = this.settled.add(position);
    const ack = new Ack(() => this.settled.settle(seq));
    this.ctx.records.inc();
    const file = `${this.containerId}/${this.path}/${position.inode ?? 'unknown'}`;
    const origin = `${file}/${position.offset}`;
    const event: PipelineEvent = { record, ack, bytes: text.length + 300 + containerMetaBytes(this.meta), origin };
    // a file is told apart from its copy-truncated self only by its first 64 bytes: lines before
    // the file has them (or of an unknown inode) get no position, so they are never skipped as replays
    const fingerprint = position.fingerprint;
    if (position.inode !== null && fingerprint !== undefined && KNOWN_FINGERPRINT.test(fingerprint)) {
      const generation = position.generation ? `/${position.generation}` : '';
      return this.ctx.sink.offer({ ...event, position: { source: `${this.ctx.inputId}/${file}/${fingerprint}${generation}`, at: '', n: position.offset } });
    }
    return this.ctx.sink.offer(event);
  }
}
