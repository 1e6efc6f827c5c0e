import Docker from 'dockerode';
import type { Duplex, Readable } from 'node:stream';
import { LogshipError } from '../core/errors.js';
import { ErrorCode } from '../core/error-codes.js';

/** What the inputs need to know about a container, taken from inspect (the only reliable source). */
export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  tty: boolean;
  running: boolean;
  logDriver: string;
  logPath: string;
  startedAt: string;
  finishedAt: string;
  /** `docker run --rm`: the daemon deletes the container, and its log, right after it exits. */
  autoRemove: boolean;
}

export interface ContainerEvent {
  action: string;
  id: string;
  /** Name, image and labels as the daemon merged them (a label can shadow name/image/exitCode). */
  attributes: Record<string, string>;
}

/** A container as a listing shows it: enough to skip containers no filter can match without inspecting them. */
export interface ListedContainer {
  id: string;
  running: boolean;
  name: string;
  /** The image name the container was created from, or the image's ID once that name was moved to another image. */
  image: string;
  labels: Record<string, string>;
}

export interface LogsRequest {
  follow: boolean;
  /** Docker's "<seconds>.<nanoseconds>" form; inclusive. */
  since: string;
}

/** unix:///var/run/docker.sock, /var/run/docker.sock, tcp://host:2375 or http(s)://host:port */
export function dockerConnection(address: string): Docker.DockerOptions {
  if (address.startsWith('unix://')) return { socketPath: address.slice('unix://'.length) };
  if (address.startsWith('/')) return { socketPath: address };
  const url = new URL(address.replace(/^tcp:/, 'http:'));
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return { protocol, host: url.hostname, port: Number(url.port || (protocol === 'https' ? 2376 : 2375)) };
}

/**
 * The Docker Engine API as logship uses it. dockerode stays behind this module so it can be
 * replaced, and so every failure comes out as a LogshipError with a stable code.
 */
export class DockerService {
  private readonly docker: Docker;

  constructor(address = 'unix:///var/run/docker.sock') {
    this.docker = new Docker(dockerConnection(address));
  }

  async ping(): Promise<void> {
    await wrap(() => this.docker.ping(), 'ping');
  }

  async listContainers(): Promise<ListedContainer[]> {
    const list = await wrap(() => this.docker.listContainers({ all: true }), 'list containers');
    return list.map((c) => ({ id: c.Id, running: c.State === 'running', name: (c.Names[0] ?? '').replace(/^\//, ''), image: c.Image, labels: c.Labels ?? {} }));
  }

  async inspect(id: string): Promise<ContainerInfo> {
    const info = await wrap(() => this.docker.getContainer(id).inspect(), `inspect ${id.slice(0, 12)}`);
    return {
      id: info.Id,
      name: info.Name.replace(/^\//, ''),
      image: info.Config.Image,
      labels: info.Config.Labels ?? {},
      tty: Boolean(info.Config.Tty),
      running: Boolean(info.State.Running),
      logDriver: info.HostConfig.LogConfig?.Type ?? 'json-file',
      logPath: info.LogPath ?? '',
      startedAt: info.State.StartedAt,
      finishedAt: info.State.FinishedAt,
      autoRemove: Boolean(info.HostConfig.AutoRemove),
    };
  }

  /** Opens the container's log stream with timestamps (always a stream, even when not following). */
  async logs(id: string, request: LogsRequest): Promise<Readable> {
    const modem = this.docker.modem as unknown as {
      dial(options: object, callback: (err: unknown, stream: Readable) => void): void;
    };
    return wrap(
      () =>
        new Promise<Readable>((resolve, reject) => {
          modem.dial(
            {
              path: `/containers/${id}/logs?`,
              method: 'GET',
              isStream: true,
              statusCodes: { 200: true, 404: 'no such container', 500: 'server error', 501: 'logging driver does not support reading' },
              options: { follow: request.follow, stdout: true, stderr: true, timestamps: true, since: request.since },
            },
            (err, stream) => (err ? reject(err) : resolve(stream)),
          );
        }),
      `logs ${id.slice(0, 12)}`,
    );
  }

  /**
   * Runs a command in a container with stdin attached (so that closing our end can end it), and
   * returns the multiplexed output stream. Every call creates an exec in the daemon: callers budget them.
   */
  async startExec(id: string, cmd: string[]): Promise<{ execId: string; stream: Duplex }> {
    const container = this.docker.getContainer(id);
    const exec = await wrap(
      () => container.exec({ Cmd: cmd, AttachStdin: true, AttachStdout: true, AttachStderr: true, Tty: false }),
      `exec in ${id.slice(0, 12)}`,
    );
    const stream = (await wrap(() => exec.start({ hijack: true, stdin: true, Tty: false, Detach: false }), `exec start in ${id.slice(0, 12)}`)) as unknown as Duplex;
    return { execId: exec.id, stream };
  }

  /** Exit code of a finished exec (null while it still runs). */
  async execExitCode(execId: string): Promise<number | null> {
    const info = await wrap(() => this.docker.getExec(execId).inspect(), `exec inspect ${execId.slice(0, 12)}`);
    return info.Running ? null : info.ExitCode;
  }

  /** The daemon's container event stream, as parsed events; ends or errors when the daemon goes away. */
  async containerEvents(sinceSeconds: number | undefined, signal: AbortSignal): Promise<{ stream: Readable; events: AsyncIterable<ContainerEvent> }> {
    const stream = (await wrap(
      () => this.docker.getEvents({ filters: { type: ['container'] }, abortSignal: signal, ...(sinceSeconds ? { since: sinceSeconds } : {}) }),
      'events',
    )) as unknown as Readable;
    return { stream, events: parseEvents(stream) };
  }
}

async function* parseEvents(stream: Readable): AsyncIterable<ContainerEvent> {
  let pending = '';
  for await (const chunk of stream) {
    pending += (chunk as Buffer).toString('utf8');
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (!line) continue;
      try {
        const event = JSON.parse(line) as { Action?: string; Actor?: { ID?: string; Attributes?: Record<string, string> }; id?: string };
        const id = event.Actor?.ID ?? event.id;
        if (event.Action && id) yield { action: event.Action, id, attributes: event.Actor?.Attributes ?? {} };
      } catch {
        // a torn line can only come from a broken connection, which ends the stream anyway
      }
    }
  }
}

async function wrap<T>(call: () => Promise<T>, what: string): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toLogshipError(err, what);
  }
}

export function toLogshipError(err: unknown, what: string): LogshipError {
  if (err instanceof LogshipError) return err;
  const e = err as { statusCode?: number; code?: string; name?: string; message?: string; json?: { message?: string } };
  const detail = e.json?.message ?? e.message ?? String(err);
  if (e.statusCode === 404) return new LogshipError(ErrorCode.CONTAINER_GONE, `${what}: container no longer exists`, { retriable: false, cause: err });
  // logs: "can not get logs from container which is dead or marked for removal"
  if (e.statusCode === 409 && what.startsWith('logs')) return new LogshipError(ErrorCode.CONTAINER_GONE, `${what}: container is being removed`, { retriable: false, cause: err });
  if (e.statusCode === 501) return new LogshipError(ErrorCode.LOGS_UNSUPPORTED, `${what}: ${detail.trim()}`, { retriable: false, cause: err });
  if (e.name === 'AbortError' || e.code === 'ABORT_ERR') return new LogshipError(ErrorCode.ABORTED, `${what}: aborted`, { retriable: false, cause: err });
  if (e.code === 'ENOENT') {
    return new LogshipError(ErrorCode.DOCKER_UNREACHABLE, `${what}: Docker daemon not reachable (ENOENT: no socket there — mount the Docker socket, e.g. -v /var/run/docker.sock:/var/run/docker.sock, or set docker_host)`, { retriable: true, cause: err });
  }
  if (e.code === 'EACCES') {
    return new LogshipError(ErrorCode.DOCKER_UNREACHABLE, `${what}: Docker daemon not reachable (EACCES: permission denied on the socket — run as root or in the socket's group, e.g. --group-add $(stat -c %g /var/run/docker.sock))`, { retriable: true, cause: err });
  }
  if (e.code === 'ECONNREFUSED' || e.code === 'ECONNRESET' || e.code === 'EPIPE') {
    return new LogshipError(ErrorCode.DOCKER_UNREACHABLE, `${what}: Docker daemon not reachable (${e.code})`, { retriable: true, cause: err });
  }
  return new LogshipError(ErrorCode.DOCKER_API, `${what}: ${detail.trim()}`, { retriable: true, cause: err });
}

/** A health check of the Docker daemon at `host` (the shape of the plugin contract's HealthCheck), for /readyz. */
export function dockerHealthCheck(host: string): { kind: 'docker'; name: string; probe(): Promise<void> } {
  const service = new DockerService(host);
  return { kind: 'docker', name: host, probe: () => service.ping() };
}
