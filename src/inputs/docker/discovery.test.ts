import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../core/logger.js';
import { Metrics } from '../../core/metrics.js';
import type { ContainerEvent, DockerService, ListedContainer } from '../../services/docker.js';
import { Discovery, type DiscoveryHooks } from './discovery.js';

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A daemon whose event stream the test writes to. */
function fakeDaemon(listed: ListedContainer[], options: { down?: boolean } = {}) {
  const asked: Array<number | undefined> = [];
  let push: (event: ContainerEvent) => void = () => undefined;
  const docker = {
    listContainers: async () => listed,
    containerEvents: async (since: number | undefined, signal: AbortSignal) => {
      asked.push(since);
      if (options.down) throw new Error('connect ENOENT /nowhere.sock');
      const stream = new PassThrough({ objectMode: true });
      signal.addEventListener('abort', () => stream.destroy(), { once: true });
      push = (event) => stream.write(event);
      return { stream, events: stream as AsyncIterable<ContainerEvent> };
    },
  } as unknown as DockerService;
  return { docker, asked, send: (event: ContainerEvent) => push(event) };
}

function logger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const say = (a: unknown, b?: string): void => void lines.push(typeof a === 'string' ? a : (b ?? ''));
  return { logger: { trace: () => undefined, debug: () => undefined, info: say, warn: say, error: say } as unknown as Logger, lines };
}

function recorder(): { hooks: DiscoveryHooks; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    hooks: {
      reconcile: async (listed) => void calls.push(`reconcile ${listed.map((c) => c.id).join(',')}`),
      started: (id, seen) => void calls.push(`start ${id} ${seen.name} ${JSON.stringify(seen.labels)}`),
      died: (id) => void calls.push(`die ${id}`),
      destroyed: (id) => void calls.push(`destroy ${id}`),
      renamed: (id) => void calls.push(`rename ${id}`),
    },
  };
}

const container = (id: string): ListedContainer => ({ id, running: true, name: id, image: 'img', labels: {} });

describe('Discovery', () => {
  it('reconciles a listing, then hands each event to its hook; events are asked from now by default', async () => {
    const daemon = fakeDaemon([container('a'), container('b')]);
    const { hooks, calls } = recorder();
    const discovery = new Discovery({ docker: daemon.docker, address: 'unix:///x.sock', inputId: 'i', inputType: 'docker_x', logger: logger().logger, metrics: new Metrics() }, hooks);
    expect(discovery.listedOnce).toBe(false);
    const before = Math.floor(Date.now() / 1000) - 2;
    discovery.start();
    await tick(10);
    expect(discovery.listedOnce).toBe(true);
    expect(daemon.asked[0]).toBeGreaterThanOrEqual(before);
    daemon.send({ action: 'start', id: 'c', attributes: { name: 'web', image: 'img', app: 'shop' } });
    daemon.send({ action: 'rename', id: 'c', attributes: {} });
    daemon.send({ action: 'die', id: 'c', attributes: {} });
    daemon.send({ action: 'destroy', id: 'c', attributes: {} });
    daemon.send({ action: 'exec_start: ls ', id: 'c', attributes: {} });
    await tick(10);
    await discovery.stop();
    expect(calls).toEqual(['reconcile a,b', 'start c web {"app":"shop"}', 'rename c', 'die c', 'destroy c']);
  });

  it('the since hook replays events from the last contact with the daemon', async () => {
    const daemon = fakeDaemon([]);
    const { hooks } = recorder();
    const lastContact = Date.parse('2026-01-01T00:00:00Z');
    const discovery = new Discovery(
      { docker: daemon.docker, address: 'unix:///x.sock', inputId: 'i', inputType: 'docker_x', logger: logger().logger, metrics: new Metrics() },
      { ...hooks, since: (contact) => contact },
      { lastContact },
    );
    discovery.start();
    await tick(10);
    await discovery.stop();
    expect(daemon.asked[0]).toBe(lastContact / 1000 - 2);
  });

  it('an unreachable daemon: retried with backoff, counted each time, said once with its address', async () => {
    const daemon = fakeDaemon([], { down: true });
    const { hooks, calls } = recorder();
    const log = logger();
    const metrics = new Metrics();
    const discovery = new Discovery({ docker: daemon.docker, address: 'tcp://user:secret@dockerhost:2375', inputId: 'i', inputType: 'docker_x', logger: log.logger, metrics }, hooks);
    discovery.start();
    await tick(800);
    await discovery.stop();
    expect(daemon.asked.length).toBeGreaterThanOrEqual(2);
    expect(metrics.get('docker_errors_total', { input: 'i' })).toBe(daemon.asked.length);
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(/^docker_x: cannot reach the Docker daemon at .*dockerhost.* \(connect ENOENT \/nowhere\.sock\); retrying with backoff$/);
    expect(log.lines[0]).not.toContain('secret');
    expect(calls).toEqual([]);
  });
});
