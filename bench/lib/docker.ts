import { execFile, execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { promisify } from 'node:util';
import { median } from './stats.js';
import { log, type Session } from './session.js';

const execAsync = promisify(execFile);

/** The docker CLI: an independent client, to set up containers and to read logs for comparison. */

/** Runs `docker ARGS` and returns its stdout, trimmed (synchronous: set-up steps of a benchmark). */
export function dockerSync(args: readonly string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).trim();
}

/** Runs `docker ARGS` and returns its stdout as it is. */
export async function docker(...args: string[]): Promise<string> {
  const { stdout } = await execAsync('docker', args, { maxBuffer: 512 * 1024 * 1024 });
  return stdout;
}

/** The engine's version, after checking that `image` is there; throws a message that says what to run. */
export function requireDockerImage(image: string): string {
  try {
    const version = dockerSync(['version', '--format', '{{.Server.Version}}']);
    dockerSync(['image', 'inspect', '--format', '{{.Id}}', image]);
    return version;
  } catch (err) {
    throw new Error(`Docker is not usable or ${image} is missing (${(err as Error).message.split('\n')[0]}); run scripts/docker-up.sh`);
  }
}

/** Removes a container the session created; says so when it cannot. */
export function removeContainer(session: Session, name: string): void {
  try {
    dockerSync(['rm', '-f', name]);
    session.containers.delete(name);
  } catch (err) {
    log(`could not remove ${name}: ${(err as Error).message}`);
  }
}

export interface ContainerSpec {
  name: string;
  /** `key=value` labels. */
  labels: readonly string[];
  image: string;
  command: readonly string[];
}

/**
 * Starts containers (`docker run -d`, no network, the json-file driver), `concurrency` at a time:
 * hundreds one after the other take minutes. Each is the session's from the moment it is asked for.
 */
export async function runContainers(session: Session, specs: readonly ContainerSpec[], concurrency = 8): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let spec = specs[next++]; spec; spec = specs[next++]) {
      session.containers.add(spec.name);
      await docker('run', '-d', '--network', 'none', '--log-driver', 'json-file', '--name', spec.name, ...spec.labels.flatMap((l) => ['--label', l]), spec.image, ...spec.command);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, specs.length) }, worker));
}

/**
 * Removes many of the session's containers, 25 per `docker rm -f` (the CLI removes them
 * concurrently; a hundred at once while other containers were created wedged dockerd here once).
 */
export async function removeContainers(session: Session, names: readonly string[]): Promise<void> {
  for (let at = 0; at < names.length; at += 25) {
    const batch = names.slice(at, at + 25);
    try {
      await docker('rm', '-f', ...batch);
    } catch (err) {
      log(`could not remove some of ${batch.length} containers: ${(err as Error).message.split('\n').slice(-2).join(' ')}`);
    }
    for (const name of batch) session.containers.delete(name);
  }
}

/** The json-file log of a container (readable here when the benchmark runs as root on the Docker host). */
export function containerLogPath(name: string): string {
  return dockerSync(['inspect', '--format', '{{.LogPath}}', name]);
}

/** How long a finished container ran, when it finished, and its exit code. */
export function containerTimes(name: string): { producerSeconds: number; finishedAtMs: number; exitCode: number } {
  const [startedAt, finishedAt, exitCode] = dockerSync(['inspect', '--format', '{{.State.StartedAt}} {{.State.FinishedAt}} {{.State.ExitCode}}', name]).split(' ');
  return { producerSeconds: (Date.parse(String(finishedAt)) - Date.parse(String(startedAt))) / 1000, finishedAtMs: Date.parse(String(finishedAt)), exitCode: Number(exitCode) };
}

/** Median wall time of `docker logs -t NAME > /dev/null` over `reps` reads (Docker's own read rate of a finished log). */
export async function timeDockerLogs(session: Session, name: string, reps: number, extra: string[] = []): Promise<{ seconds: number; all: number[] }> {
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const devNull = openSync('/dev/null', 'w');
    try {
      const { code, ms } = await session.run('docker', ['logs', '-t', ...extra, name], { stdio: ['ignore', devNull, devNull] });
      if (code !== 0) throw new Error(`docker logs -t ${extra.join(' ')} ${name} exited with ${code}`);
      times.push(ms / 1000);
    } finally {
      closeSync(devNull);
    }
  }
  return { seconds: median(times), all: times };
}

/** Lines Docker itself returns for a container's stdout (ground truth when a shipper's output is short). */
export function countDockerLogLines(name: string): Promise<number> {
  return new Promise((resolveCount, reject) => {
    const child = spawn('docker', ['logs', name], { stdio: ['ignore', 'pipe', 'ignore'] });
    let lines = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
    });
    child.once('error', reject);
    child.once('close', () => resolveCount(lines));
  });
}

/** A stream's text as lines, without the empty string after the last newline. */
export function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Lines of a container's log as `docker logs` returns them, per stream. */
export async function dockerLogLines(id: string): Promise<{ stdout: string[]; stderr: string[] }> {
  const { stdout, stderr } = await execAsync('docker', ['logs', id], { maxBuffer: 512 * 1024 * 1024 });
  return { stdout: splitLines(stdout), stderr: splitLines(stderr) };
}

/** Processes in a container whose command line matches, as "PID PPID ARGS" rows (by the host's ps: no exec is added). */
export async function containerProcesses(id: string, pattern: RegExp): Promise<string[]> {
  return (await docker('top', id, '-o', 'pid,ppid,args')).split('\n').slice(1).filter((l) => pattern.test(l));
}
