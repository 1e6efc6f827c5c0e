import { fstatSync, read as readInBackground, readSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import type { LogMessage } from '../log-message.js';
import type { FilePosition } from '../checkpoint.js';
import { parseJsonFileEntry } from './json-file-entry.js';
import { closeQuietly, firstTimestampOf, listLogFiles, openLogFile, type LogFile } from './log-files.js';
import { sharedFollowClock, type ClockMember, type FollowClock } from './follow-clock.js';
import type { LogFileRef, ReadPosition } from './read-position.js';

const NEWLINE = 0x0a;
/** Small enough that file-system events are handled between chunks even under load. */
const CHUNK_BYTES = 256 * 1024;
/**
 * While chunks follow each other, the folder is listed again at most this often when inotify
 * reports its renames anyway (what a listing per chunk cost: bench/docker-logs/README.md); without
 * inotify, before every chunk.
 */
const RELIST_WHILE_READING_MS = 20;
/**
 * With inotify, the folder of a quiet log is still listed this often: a rename whose event was
 * lost (a full inotify queue) is noticed without a listing per tailer and tick.
 */
const SAFETY_LIST_MS = 10_000;
/** With inotify, a waiting tailer's file is checked for growth every this many ticks of the clock (1 s). */
const GROWTH_CHECK_TICKS = 4;
/** Room before a read-ahead chunk for the entry the previous chunk cut (one entry is rarely longer). */
const CUT_ENTRY_ROOM = 32 * 1024;
/**
 * Chunks read ahead at once, in the whole process: a tailer paused by backpressure holds its
 * chunk, and hundreds of containers catching up must not hold hundreds (nor all of libuv's
 * threads, which DNS lookups share). Past this, chunks are read when needed, as before.
 */
const MAX_READS_AHEAD = 4;
let readsAhead = 0;

export interface TailerOptions {
  /** The container's LogPath, as seen by the shipper. */
  logPath: string;
  tty: boolean;
  signal: AbortSignal;
  /** A message whose entry is `entryBytes` long and ends at `end` in `file` (no object per message: this runs per line). */
  onMessage(message: LogMessage, file: LogFileRef, end: number, entryBytes: number): void;
  /** Asked after each chunk: true makes the tailer wait for waitForSpace() (backpressure). */
  paused(): boolean;
  waitForSpace(): Promise<void>;
  onInvalid(reason: string): void;
  /** Without inotify, the folder is listed this often (in ms; rounded up to the clock's tick). */
  pollMs?: number;
  /** The timers shared by all tailers (tests give their own). */
  clock?: FollowClock;
}

interface OpenFile {
  fd: number;
  dev: number;
  ino: number;
  order: number;
  /** Bytes consumed: the end of the last whole entry. */
  offset: number;
  /** First entry's timestamp (identifies the file together with dev and ino). */
  first: string | undefined;
  /** An entry not finished yet (the writer is mid-line, or the read ended inside it). */
  partial: Buffer | undefined;
  /** The next chunk, being read on libuv's threads while this one is parsed. */
  ahead: ReadAhead | undefined;
}

/**
 * A chunk read in the background, CUT_ENTRY_ROOM bytes into its buffer. While a log is read to
 * catch up, the read(2) of the next chunk then overlaps the parsing of this one on the main
 * thread (the system call was about a twentieth of the main thread's time).
 */
interface ReadAhead {
  position: number;
  buffer: Buffer;
  /** Bytes read once the read is done; -1 when it failed (the chunk is then read again here, which reports the error). */
  bytesRead: number | undefined;
  done: Promise<void>;
}

/** What a live read takes at most before it is copied into a buffer of its size; sync reads only, so one for the process. */
const SCRATCH_BYTES = 16 * 1024;
const scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);

/** The file's read-ahead is taken or dropped: its slot is free again. */
function release(file: { ahead: ReadAhead | undefined }): void {
  file.ahead = undefined;
  readsAhead -= 1;
}

/** Starts reading the chunk at `position`; undefined when MAX_READS_AHEAD are out already. */
function readAhead(fd: number, position: number): ReadAhead | undefined {
  if (readsAhead >= MAX_READS_AHEAD) return undefined;
  readsAhead += 1;
  const buffer = Buffer.allocUnsafe(CUT_ENTRY_ROOM + CHUNK_BYTES);
  const ahead: ReadAhead = { position, buffer, bytesRead: undefined, done: Promise.resolve() };
  ahead.done = new Promise((resolve) => {
    readInBackground(fd, buffer, CUT_ENTRY_ROOM, CHUNK_BYTES, position, (err, bytesRead) => {
      ahead.bytesRead = err ? -1 : bytesRead;
      resolve();
    });
  });
  return ahead;
}

interface KnownFile {
  first: string | undefined;
  /** Set once the file was read to its end and closed. */
  finalSize?: number;
  /** Its modification time then: a listing with the same size and time is the same, unchanged file. */
  finalMtimeMs?: number;
}

/**
 * Follows one container's json-file log through rotation: reads the file it is told to start
 * at, and every newer file in turn; a file is finished only when a newer one exists (Docker
 * writes no more to a rotated file), so nothing at a rotation is skipped. Files are held open
 * from when they are first seen, so one Docker deletes (max-file) is still read to its end.
 */
export class JsonFileTailer implements ClockMember {
  private readonly files: OpenFile[] = [];
  private readonly known = new Map<string, KnownFile>();
  private order = 0;
  private watcher: FSWatcher | undefined;
  private readonly clock: FollowClock;
  private ticks = 0;
  private wake: (() => void) | undefined;
  /** The last readChunk read, without awaiting, up to the file's end (a short read). */
  private readToEnd = false;
  private refreshedAt = Number.NEGATIVE_INFINITY;
  private stopAfterDrain = false;

  /** One abort listener for the tailer's life: adding and removing one per wait showed in a profile of 400 followed containers. */
  private readonly onAbort = (): void => this.wake?.();

  constructor(private readonly options: TailerOptions) {
    this.clock = options.clock ?? sharedFollowClock;
    options.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  /**
   * Opens the files to read: from `start` when that file is still there (by device, inode and
   * first entry), else from the oldest file. Returns whether `start` was found.
   */
  open(start: FilePosition | undefined): boolean {
    const listed = listLogFiles(this.options.logPath);
    let from = 0;
    let resumed = false;
    if (start) {
      for (let i = 0; i < listed.length; i += 1) {
        const file = listed[i] as LogFile;
        if (file.dev !== start.dev || file.ino !== start.ino || file.size < start.offset) continue;
        const opened = this.openFile(file);
        if (!opened) continue;
        if (opened.first !== start.first) {
          closeQuietly(opened.fd);
          continue;
        }
        opened.offset = start.offset;
        this.files.push(opened);
        this.remember(opened);
        from = i + 1;
        resumed = true;
        break;
      }
    }
    for (const file of listed.slice(from)) {
      const opened = this.openFile(file);
      if (!opened) continue;
      this.files.push(opened);
      this.remember(opened);
    }
    this.startWatching();
    return resumed;
  }

  /** On `die`: read what is written, then return from read() instead of waiting for more. */
  stopFollowing(): void {
    this.stopAfterDrain = true;
    this.wake?.();
  }

  /** Reads everything there is; with `follow`, then waits for more until stopFollowing() or abort. */
  async read(follow: boolean): Promise<void> {
    const { signal } = this.options;
    this.stopAfterDrain = false;
    let drainedAfterStop = false;
    // with inotify, the folder is listed while whole chunks follow each other (catching up), and
    // before returning; a followed log's renames come as events
    let catchingUp = false;
    let listNow = false;
    while (!signal.aborted) {
      const relisted = !this.watcher || listNow || (catchingUp && performance.now() - this.refreshedAt >= RELIST_WHILE_READING_MS);
      listNow = false;
      if (relisted) this.refresh();
      const head = this.files[0];
      if (head?.ahead && head.ahead.bytesRead === undefined) {
        await head.ahead.done;
        // the loop's conditions again (an abort meanwhile)
        continue;
      }
      const bytesRead = head ? this.readChunk(head) : 0;
      catchingUp = bytesRead >= CHUNK_BYTES;
      if (bytesRead > 0) {
        if (this.options.paused()) await this.options.waitForSpace();
        else if (this.readToEnd && this.watcher && this.files.length === 1 && follow && !this.stopAfterDrain) {
          // read up to the file's end just now: a later write raises an inotify event, and
          // nothing runs before this tailer waits for it, so the event cannot be missed — no
          // second look (a read and a turn of the loop per wake-up, most of the cost of
          // following containers that write 10 lines a second)
          await this.changed();
        }
        // a turn of the event loop: file-system events and the rest of the pipeline get their share
        else await new Promise((r) => setImmediate(r));
        continue;
      }
      if (head && this.files.length > 1) {
        // a newer file exists: Docker writes no more to this one; finish it and move on
        if (this.readChunk(head) > 0) continue;
        this.finish(head);
        continue;
      }
      if (!relisted && (!follow || (this.stopAfterDrain && drainedAfterStop))) {
        // about to return: what is left is judged on a fresh listing
        listNow = true;
        continue;
      }
      if (!follow) return;
      if (this.stopAfterDrain) {
        // the container stopped: one more pass after a moment, for the log copier's last writes
        if (drainedAfterStop) return;
        drainedAfterStop = true;
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      await this.changed();
    }
  }

  /** Where reading stands: the first byte not consumed, in the oldest file still open. */
  position(): ReadPosition | undefined {
    const head = this.files[0];
    if (!head || head.first === undefined) return undefined;
    return { dev: head.dev, ino: head.ino, offset: head.offset, first: head.first, order: head.order, entryBytes: 0 };
  }

  async close(): Promise<void> {
    this.options.signal.removeEventListener('abort', this.onAbort);
    this.watcher?.close();
    this.watcher = undefined;
    this.clock.delete(this);
    const files = this.files.splice(0);
    // a read still under way must not find its descriptor closed, or reused by another file
    await Promise.all(files.map((file) => file.ahead?.done));
    for (const file of files) {
      if (file.ahead) release(file);
      closeQuietly(file.fd);
    }
  }

  private readChunk(file: OpenFile): number {
    // an entry cut by the last read goes first, so the chunk needs no concatenation (a 256 KiB copy)
    const partial = file.partial;
    const kept = partial?.length ?? 0;
    const ahead = file.ahead;
    if (ahead) release(file);
    this.readToEnd = false;
    let buffer: Buffer;
    let first: number;
    let bytesRead: number;
    if (ahead && ahead.position === file.offset + kept && (ahead.bytesRead as number) > 0 && kept <= CUT_ENTRY_ROOM) {
      buffer = ahead.buffer;
      first = CUT_ENTRY_ROOM - kept;
      bytesRead = ahead.bytesRead as number;
    } else {
      // nothing read ahead, or it found the end (the writer may have added more since), or it
      // failed. A followed log grows by a line or a few per read: it is read into the shared
      // scratch and copied into a buffer of its size (a chunk-sized buffer per read was most of a
      // live tailer's garbage, and sizing it with fstat cost a Stats with four Dates per read).
      const position = file.offset + kept;
      const scratched = readSync(file.fd, scratch, 0, SCRATCH_BYTES, position);
      if (scratched === 0) return 0;
      first = 0;
      if (scratched < SCRATCH_BYTES) {
        buffer = Buffer.allocUnsafe(kept + scratched);
        scratch.copy(buffer, kept, 0, scratched);
        bytesRead = scratched;
        // a short read of a regular file: its end, as of now
        this.readToEnd = true;
      } else {
        buffer = Buffer.allocUnsafe(kept + CHUNK_BYTES);
        scratch.copy(buffer, kept, 0, scratched);
        bytesRead = scratched + readSync(file.fd, buffer, kept + scratched, CHUNK_BYTES - scratched, position + scratched);
        this.readToEnd = bytesRead < CHUNK_BYTES;
      }
    }
    // a full chunk: there is probably more; read it while this one is parsed
    if (bytesRead === CHUNK_BYTES) file.ahead = readAhead(file.fd, file.offset + kept + bytesRead);
    if (partial) partial.copy(buffer, first);
    file.partial = undefined;
    const data = buffer.subarray(first, first + kept + bytesRead);
    const base = file.offset;
    let start = 0;
    for (;;) {
      const newline = data.indexOf(NEWLINE, start);
      if (newline < 0) break;
      const end = base + newline + 1;
      const message = parseJsonFileEntry(data, this.options.tty, start, newline);
      if (message) {
        if (file.first === undefined) {
          file.first = message.timestamp;
          this.remember(file);
        }
        this.options.onMessage(message, file, end, newline + 1 - start);
      } else if (newline > start) {
        this.options.onInvalid('json-file entry that is not valid JSON skipped');
      }
      start = newline + 1;
    }
    file.offset = base + start;
    // copy: a subarray would keep the whole chunk alive
    if (start < data.length) file.partial = Buffer.from(data.subarray(start));
    return bytesRead;
  }

  private finish(file: OpenFile): void {
    if (file.partial) this.options.onInvalid('torn json-file entry at the end of a rotated file skipped');
    this.files.shift();
    this.known.set(keyOf(file), { first: file.first, finalSize: file.offset + (file.partial?.length ?? 0), finalMtimeMs: fstatSync(file.fd).mtimeMs });
    closeQuietly(file.fd);
  }

  /**
   * Opens files that appeared since the last look (rotation): all newer than what is open. Runs
   * before every chunk, on every change in the folder and every poll, also while reading lags
   * behind or is paused, so that a file is open before Docker deletes it (max-file).
   */
  private refresh(): void {
    this.refreshedAt = performance.now();
    let listed: LogFile[];
    try {
      listed = listLogFiles(this.options.logPath);
    } catch {
      return; // the container's folder is gone (removed): what is open is still readable
    }
    for (const file of listed) {
      const known = this.known.get(keyOf(file));
      // unfinished ones are being read; finished ones untouched since are what they were; the
      // rest are opened and checked for a reused inode below
      if (known && (known.finalSize === undefined || (file.size === known.finalSize && file.mtimeMs === known.finalMtimeMs))) continue;
      const opened = this.openFile(file);
      if (!opened) continue;
      // names move during rotation: judge what was actually opened, by its own inode
      if (!this.isNew(opened, fstatSync(opened.fd).size, opened.first)) {
        closeQuietly(opened.fd);
        continue;
      }
      this.files.push(opened);
      this.remember(opened);
    }
  }

  /** Not seen before, or a finished file's inode now holding a new file (shorter than it was, or starting with another entry). */
  private isNew(file: { dev: number; ino: number }, size: number, first: string | undefined): boolean {
    const known = this.known.get(keyOf(file));
    if (!known) return true;
    if (known.finalSize === undefined) return false;
    return size < known.finalSize || first !== known.first;
  }

  private openFile(file: LogFile): OpenFile | undefined {
    const opened = openLogFile(file.path);
    if (!opened) return undefined;
    // renamed between the listing and the open: it is what was opened
    return { fd: opened.fd, dev: opened.dev, ino: opened.ino, order: this.order++, offset: 0, first: firstTimestampOf(opened.fd), partial: undefined, ahead: undefined };
  }

  private remember(file: OpenFile): void {
    this.known.set(keyOf(file), { first: file.first });
  }

  private startWatching(): void {
    try {
      this.watcher = watch(dirname(this.options.logPath), { persistent: false }, (event) => {
        // at once: a file must be open before Docker deletes it (max-file); the read can wait a moment
        if (event === 'rename') this.refresh();
        if (this.wake) this.clock.soon(this.wake);
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // no inotify here (or the folder is gone): polling alone
    }
    this.clock.add(this);
  }

  /**
   * The clock's look at this tailer. Without inotify: a listing and a read every pollMs. With it:
   * a waiting tailer whose file grew without an event is woken, and the folder is listed every
   * SAFETY_LIST_MS — an idle container costs an fstat a second, not a listing and a read.
   */
  tick(now: number): void {
    const watched = this.watcher !== undefined;
    if (now - this.refreshedAt >= (watched ? SAFETY_LIST_MS : (this.options.pollMs ?? 500))) {
      const opened = this.files.length;
      // a waiting tailer without inotify lists on waking; one reading or paused is listed here
      if (watched || !this.wake) this.refresh();
      if (!watched || this.files.length !== opened) this.wake?.();
      return;
    }
    // every GROWTH_CHECK_TICKS: inotify rarely misses a write, and 200 idle containers ticked
    // four times a second cost a measurable share of a core in fstat alone
    this.ticks += 1;
    if (watched && this.wake && this.ticks % GROWTH_CHECK_TICKS === 0 && this.grew()) this.wake();
  }

  private grew(): boolean {
    const head = this.files[0];
    if (!head) return false;
    try {
      // a one-byte read, not fstat: no Stats (with four Dates) per followed container per second
      return readSync(head.fd, scratch, 0, 1, head.offset + (head.partial?.length ?? 0)) > 0;
    } catch {
      return true; // let the read loop meet the error
    }
  }

  /** Waits for a change in the log folder, the clock, stopFollowing() or abort. */
  private changed(): Promise<void> {
    if (this.options.signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        // the clock may still hold an earlier wait's wake: that one must not unhook this one
        if (this.wake === wake) this.wake = undefined;
        resolve();
      };
      this.wake = wake;
    });
  }
}

function keyOf(file: { dev: number; ino: number }): string {
  return `${file.dev}:${file.ino}`;
}
