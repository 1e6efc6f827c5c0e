import { execFileSync, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** What every benchmark does around its scenario: options, exit codes, logging, and cleaning up on every exit path. */

export const EXIT_OK = 0;
/** Records missing or duplicated, or a run failed. Never for speed. */
export const EXIT_CORRECTNESS = 1;
/** A setup problem (no build, no Docker, no broker, bad options). */
export const EXIT_SETUP = 2;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
export const log = (text: string): void => void process.stderr.write(`bench: ${text}\n`);

export function positiveInt(text: string | undefined, name: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0 || n > max) throw new Error(`${name} must be an integer between 1 and ${max}`);
  return n;
}

/**
 * Parses the command line with node:util's parseArgs (strict); prints USAGE and exits 0 on
 * --help, and exits EXIT_SETUP with the message and USAGE when the options (or `check`) fail.
 */
export function parseOptions<T>(usage: string, config: NonNullable<ParseArgsConfig['options']>, check: (values: Record<string, string | boolean | string[] | undefined>) => T): T {
  try {
    const { values } = parseArgs({ options: { ...config, help: { type: 'boolean', short: 'h', default: false } }, strict: true, allowPositionals: false });
    if (values.help) {
      process.stdout.write(`${usage}\n`);
      process.exit(EXIT_OK);
    }
    return check(values as Record<string, string | boolean | string[] | undefined>);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    process.exit(EXIT_SETUP);
  }
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process the session kills on exit; `exited` resolves when it ends. */
export class Tracked {
  done = false;
  /** performance.now() when it exited. */
  doneAt: number | undefined;
  readonly exited: Promise<Exit>;

  constructor(
    readonly child: ChildProcess,
    readonly name: string,
    session: Session,
  ) {
    session.children.add(child);
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        this.done = true;
        this.doneAt = performance.now();
        session.children.delete(child);
        resolveExit({ code, signal });
      });
    });
  }

  isDone(): boolean {
    return this.done;
  }

  /** A signal to the process, or to its group when it leads one. */
  kill(signal: NodeJS.Signals): void {
    killTree(this.child, signal);
  }

  /** Sends `signal` (SIGTERM), SIGKILL after 30 s; resolves with how it exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (this.done) return this.exited;
    this.kill(signal);
    const timer = setTimeout(() => {
      log(`${this.name} did not stop within 30 s of ${signal}; killing it`);
      this.kill('SIGKILL');
    }, 30_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** SIGKILL (or `signal`) to a child's process group when it leads one, else to the child. */
export function killTree(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
    return;
  } catch {
    // not a group leader
  }
  try {
    process.kill(child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * One invocation of a benchmark: its id, its temporary folder, the children and containers it
 * started. Everything goes away on every exit path, Ctrl-C included; only containers carrying this
 * invocation's label are ever touched.
 */
export class Session {
  readonly runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  readonly children = new Set<ChildProcess>();
  readonly containers = new Set<string>();
  /** Labels (`key=value`) whose containers are removed at the end. */
  readonly containerLabels: string[] = [];
  /** Run at the end (after the children are killed), also from a signal handler: synchronous. */
  readonly onCleanup: (() => void)[] = [];
  /** Said when a signal stops the benchmark. */
  signalNote = '';
  tmp: string | undefined;
  private cleanedUp = false;

  constructor(readonly options: { keep?: boolean } = {}) {
    process.on('exit', () => this.cleanup());
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      process.on(signal, () => {
        process.stderr.write(`bench: ${signal}, cleaning up${this.signalNote}\n`);
        this.cleanup();
        process.exit(130);
      });
    }
  }

  makeTmp(prefix: string): string {
    this.tmp = mkdtempSync(join(tmpdir(), prefix));
    return this.tmp;
  }

  /** Spawns a tracked child. */
  spawn(name: string, command: string, args: readonly string[], options: SpawnOptions): Tracked {
    return new Tracked(spawn(command, args, options), name, this);
  }

  /** Spawns and resolves with how it ended and its wall time in ms. */
  run(command: string, args: readonly string[], options: SpawnOptions): Promise<Exit & { ms: number }> {
    const started = performance.now();
    const tracked = this.spawn(command, command, args, options);
    return new Promise((resolveRun, reject) => {
      tracked.child.once('error', reject);
      void tracked.exited.then((exit) => resolveRun({ ...exit, ms: performance.now() - started }));
    });
  }

  killChildren(): void {
    for (const child of [...this.children]) {
      killTree(child);
      this.children.delete(child);
    }
  }

  /** Removes this invocation's containers (by name, and by label). */
  removeContainers(): void {
    let ids = [...this.containers];
    for (const label of this.containerLabels) {
      try {
        const listed = execFileSync('docker', ['ps', '-aq', '--filter', `label=${label}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        ids = ids.concat(listed.split('\n').filter(Boolean));
      } catch {
        // docker unreachable: nothing more we can do
      }
    }
    // one `docker rm -f` for many: the CLI removes them concurrently (hundreds one by one take minutes)
    const unique = [...new Set(ids)];
    for (let at = 0; at < unique.length; at += 100) {
      const batch = unique.slice(at, at + 100);
      try {
        execFileSync('docker', ['rm', '-f', ...batch], { stdio: ['ignore', 'ignore', 'pipe'] });
      } catch (err) {
        const reasons = String((err as { stderr?: unknown }).stderr ?? (err as Error).message)
          .split('\n')
          .filter((line) => line.trim() && !/no such container|already in progress/i.test(line));
        for (const reason of reasons) log(`could not remove a container: ${reason.trim()}`);
      }
      for (const id of batch) this.containers.delete(id);
    }
  }

  cleanup(): void {
    if (this.cleanedUp) return;
    this.cleanedUp = true;
    this.killChildren();
    this.removeContainers();
    for (const step of this.onCleanup) step();
    if (this.tmp && !this.options.keep) rmSync(this.tmp, { recursive: true, force: true });
    else if (this.tmp) log(`kept ${this.tmp}`);
  }

  /** Runs the benchmark's main and exits with its code (EXIT_SETUP when it throws), cleaning up first. */
  main(body: () => Promise<number>): void {
    body().then(
      (code) => {
        this.cleanup();
        process.exit(code);
      },
      (err: unknown) => {
        log(`failed: ${(err as Error).stack ?? String(err)}`);
        this.cleanup();
        process.exit(EXIT_SETUP);
      },
    );
  }
}

/** The load average before a run, with a note when it is high (the machine is shared). */
export function loadBefore(what = 'other work on this machine skews the numbers'): number {
  const load = loadavg()[0] ?? 0;
  if (load > 0.5 * cpus().length) log(`note: load average is ${load.toFixed(2)} on ${cpus().length} CPUs; ${what}`);
  return load;
}

/** Prints the load average line every benchmark ends with; returns the figures for the JSON. */
export function printLoad(before: number): { before: number; after: number; cpus: number } {
  const load = { before, after: loadavg()[0] ?? 0, cpus: cpus().length };
  process.stdout.write(`load average ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after, ${load.cpus} CPUs\n`);
  return load;
}

/** The message of an error, or the text of anything thrown. */
export function errorText(err: unknown): string {
  return String((err as Error | undefined)?.message ?? err);
}

/**
 * Runs one measurement against a shared service (a broker, a node) that other tests may restart.
 * When `failures()` grew during it, the numbers are void: it is repeated, up to `maxTries` times,
 * and the last try is reported with a note.
 */
export async function attempt<R extends { errors: string[] }>(
  what: string,
  spec: { failures: () => number; waitForService: (why: string) => Promise<void>; maxTries: number; onError: () => void; service: string; repeatOn: string },
  measure: (tries: number) => Promise<R>,
  failed: (err: unknown) => R,
): Promise<R & { disturbedTries: number; disturbed?: string[] }> {
  const disturbed: string[] = [];
  for (let tries = 1; ; tries++) {
    let failuresBefore = spec.failures();
    let result: R;
    try {
      await spec.waitForService(what);
      // failed requests while waiting for the service to come back do not void what follows
      failuresBefore = spec.failures();
      result = await measure(tries);
    } catch (err) {
      spec.onError();
      log(`${what} failed: ${(err as Error).stack ?? String(err)}`);
      result = failed(err);
    }
    if (spec.failures() === failuresBefore) return { ...result, disturbedTries: disturbed.length, ...(disturbed.length ? { disturbed } : {}) };
    disturbed.push(result.errors.join('; ') || `${spec.service} unreachable for a moment`);
    if (tries >= spec.maxTries) {
      result.errors.push(`${spec.service} went away during each of ${tries} tries; these numbers include an outage`);
      return { ...result, disturbedTries: disturbed.length, disturbed };
    }
    log(`${what}: ${spec.service} went away meanwhile (${spec.failures() - failuresBefore} failed requests); repeating it on ${spec.repeatOn}`);
  }
}
