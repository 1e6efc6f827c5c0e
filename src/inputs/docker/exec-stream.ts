import type { Duplex } from 'node:stream';
import type { RecordSink } from '../../plugins/types.js';
import { FrameReader, type FrameStream } from '../../services/docker-frames.js';

/**
 * Feeds an exec's multiplexed output to `onFrame` and resolves when the stream ends. When
 * `onFrame` reports a full pipeline (false), the socket is paused until the pipeline has room:
 * the process in the container then blocks on its pipe, and nothing is lost or buffered here.
 * Aborting the signal closes our end of stdin, which the exec wrappers treat as "stop".
 */
export function pumpExecStream(
  stream: Duplex,
  signal: AbortSignal,
  sink: RecordSink,
  onFrame: (kind: FrameStream, payload: Buffer) => boolean,
): Promise<void> {
  let paused = false;
  const frames = new FrameReader((kind, payload) => {
    if (!onFrame(kind, payload)) paused = true;
  });
  return new Promise<void>((resolve) => {
    const close = (): void => {
      stream.end();
      stream.destroy();
    };
    const done = (): void => {
      signal.removeEventListener('abort', close);
      resolve();
    };
    if (signal.aborted) close();
    else signal.addEventListener('abort', close, { once: true });
    stream.on('data', (chunk: Buffer) => {
      frames.push(chunk);
      if (!paused) return;
      paused = false;
      stream.pause();
      void sink.waitForSpace().then(() => stream.resume());
    });
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
}
