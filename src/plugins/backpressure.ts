import type { Readable } from 'node:stream';
import type { Counter, Metrics } from '../core/metrics.js';
import type { PipelineEvent } from '../core/record.js';
import type { RecordSink } from './types.js';
import { METRIC } from '../core/metric-names.js';

/**
 * Backpressure between an input and its RecordSink, written once. Records go in through offer(),
 * which says whether the sink still has room. A source told "no room" stops reading until the sink
 * has room again: a stream handed to pipe() is paused and resumed here; a source that reads for
 * itself (a file in chunks, a generator) awaits waitForRoom(). Every pause counts in
 * input_paused_total. Nothing is dropped or buffered here: the source keeps the data meanwhile
 * (Docker's json-file log, or the exec'd process blocking on its pipe).
 */
export class Backpressure {
  private readonly pauses: Counter;

  constructor(
    private readonly sink: RecordSink,
    input: { id: string; metrics: Metrics },
  ) {
    this.pauses = input.metrics.counter(METRIC.INPUT_PAUSED_TOTAL, { input: input.id });
  }

  /** Hands a record on (never blocks); false: the sink is full, pause the source. */
  offer(event: PipelineEvent): boolean {
    return this.sink.offer(event);
  }

  /** For a source that reads for itself and was told "no room": a pause, until the sink has room. */
  waitForRoom(): Promise<void> {
    this.pauses.inc();
    return this.sink.waitForSpace();
  }

  /**
   * Feeds every chunk of `stream` to `push`, which returns whether the sink still has room after
   * it; when not, the stream is paused until the sink has room. The caller handles the stream's end.
   */
  pipe(stream: Readable, push: (chunk: Buffer) => boolean): void {
    let paused = false;
    stream.on('data', (chunk: Buffer) => {
      if (push(chunk) || paused) return;
      paused = true;
      stream.pause();
      void this.waitForRoom().then(() => {
        paused = false;
        stream.resume();
      });
    });
  }
}
