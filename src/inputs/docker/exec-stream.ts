import type { Duplex } from 'node:stream';
import type { Backpressure } from '../../plugins/backpressure.js';
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
  backpressure: Backpressure,
  onFrame: (kind: FrameStream, payload: Buffer) => boolean,
): Promise<void> {
  // whether every frame of the chunk being read found room
  let room = true;
  const frames = new FrameReader((kind, payload) => {
    if (!onFrame(kind, payload)) room = false;
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
    backpressure.pipe(stream, (chunk) => {
      room = true;
      frames.push(chunk);
      return room;
    });
    stream.once('end', done);
    stream.once('close', done);
    stream.once('error', done);
  });
}
