import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Caps the API's connections so that a probe always gets in: a connection over the cap closes the
 * oldest one that is not being answered — idle keep-alive, or a request whose headers are still
 * coming. Node's own `maxConnections` refuses the newcomer instead, so a few dozen idle sockets
 * (from any pod that can reach the port) would lock the kubelet out and get a healthy agent restarted.
 */
export class ConnectionGuard {
  // insertion order is age: the first idle one found is the oldest
  private readonly open = new Map<Socket, { answering: number }>();

  constructor(
    server: Server,
    private readonly max: number,
    private readonly onClosed: () => void,
  ) {
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.answering(req.socket, res));
  }

  get size(): number {
    return this.open.size;
  }

  private admit(socket: Socket): void {
    this.open.set(socket, { answering: 0 });
    socket.once('close', () => this.open.delete(socket));
    if (this.open.size <= this.max) return;
    for (const [other, state] of this.open) {
      if (other === socket || state.answering > 0) continue;
      this.close(other);
      return;
    }
    // every other connection is being answered (taps, requests in progress): they end soon, this one waits for none
    this.close(socket);
  }

  private answering(socket: Socket, res: ServerResponse): void {
    const state = this.open.get(socket);
    if (!state) return;
    state.answering += 1;
    let done = false;
    const finished = (): void => {
      if (done) return;
      done = true;
      state.answering -= 1;
    };
    res.once('finish', finished);
    res.once('close', finished);
  }

  private close(socket: Socket): void {
    this.open.delete(socket);
    this.onClosed();
    socket.destroy();
  }
}
