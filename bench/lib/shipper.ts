import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, mkdtempSync, openSync, writeFileSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LOGSHIP_BIN, REPO_ROOT } from './paths.js';
import { killTree, log, sleep, type Exit, type Session } from './session.js';

export { LOGSHIP_BIN, REPO_ROOT };

/**
 * This environment as the deploy image has it: without NODE_EXTRA_CA_CERTS. Some machines (this
 * team's among them) set that variable globally; Node then reads and parses every certificate it
 * names at each start, before any of logship's code runs, which costs start-up time and memory
 * the image does not pay. logship needs it only for a Kafka or Elasticsearch endpoint with a
 * private CA.
 */
export function imageEnv(keepCaCerts = false): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOGSHIP_NO_STATUS: '1' };
  if (!keepCaCerts) delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

export function tempDir(prefix = 'logship-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface ShipperOptions {
  cwd?: string;
  /** The command before `args` (default: this node, `nodeFlags`, bin/logship.js). */
  command?: string[];
  nodeFlags?: string[];
  /** Put before the command, e.g. ['taskset', '-c', '1']. */
  wrapper?: string[];
  env?: NodeJS.ProcessEnv;
  /** Also write its stderr to this file (kept with a benchmark's --keep). */
  stderrFile?: string;
  /** Read its stdout (default true; a benchmark ignores it). */
  stdout?: boolean;
  /** Its stdout goes straight into this file instead (a stdout output's lines: too many to hold in a string). */
  stdoutFile?: string;
  /** Killed with the session when the benchmark exits. */
  session?: Session;
}

/** What logship's own log (pino JSON lines on stderr) says. */
export interface ShipperLog {
  /** Warn and error lines, and lines that are not JSON. */
  problems: string[];
  /** The metrics of "pipeline stopped". */
  metrics: Record<string, number> | undefined;
  /** Wall-clock ms of "pipeline running". */
  runningAt: number | undefined;
  sawSignal: boolean;
  stopped: boolean;
}

export function parseShipperLog(text: string): ShipperLog {
  const result: ShipperLog = { problems: [], metrics: undefined, runningAt: undefined, sawSignal: false, stopped: false };
  for (const line of text.split('\n')) {
    if (!line) continue;
    let entry: { level?: number; msg?: string; time?: string | number; metrics?: Record<string, number> };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      result.problems.push(line);
      continue;
    }
    if ((entry.level ?? 0) >= 40) result.problems.push(`${(entry.level ?? 0) >= 50 ? 'ERROR' : 'WARN'} ${entry.msg}`);
    if (entry.msg === 'pipeline running') result.runningAt = typeof entry.time === 'number' ? entry.time : Date.parse(String(entry.time));
    if (entry.msg === 'SIGTERM: stopping') result.sawSignal = true;
    if (entry.msg === 'pipeline stopped') {
      result.stopped = true;
      result.metrics = entry.metrics;
    }
  }
  return result;
}

/** Sum of a metric over its label sets, or undefined when there is no snapshot. */
export function metricSum(metrics: Record<string, number> | undefined, name: string): number | undefined {
  if (!metrics) return undefined;
  let sum = 0;
  for (const [key, value] of Object.entries(metrics)) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

/** A real shipper process, as users run it: for the integration tests and the benchmarks. */
export class Shipper {
  readonly process: ChildProcess;
  stderr = '';
  stdout = '';
  /** performance.now() when it exited. */
  doneAt: number | undefined;
  /** With Shipper.start: its pipeline file, and its CPU profile when asked for. */
  pipelineFile: string | undefined;
  profile: string | undefined;
  private readonly exited: Promise<Exit>;
  private readonly stderrCopy: WriteStream | undefined;

  constructor(args: string[], options: ShipperOptions = {}) {
    const command = [...(options.wrapper ?? []), ...(options.command ?? [process.execPath, ...(options.nodeFlags ?? []), LOGSHIP_BIN])];
    const stdoutFd = options.stdoutFile ? openSync(options.stdoutFile, 'w') : undefined;
    // its own process group, so that kill() reaches logship behind wrappers like npx, as Ctrl-C does
    try {
      this.process = spawn(command[0] as string, [...command.slice(1), ...args], {
        cwd: options.cwd ?? REPO_ROOT,
        stdio: ['ignore', stdoutFd ?? (options.stdout === false ? 'ignore' : 'pipe'), 'pipe'],
        detached: true,
        ...(options.env ? { env: options.env } : {}),
      });
    } finally {
      // the child has its own copy
      if (stdoutFd !== undefined) closeSync(stdoutFd);
    }
    this.stderrCopy = options.stderrFile ? createWriteStream(options.stderrFile) : undefined;
    this.process.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.process.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
      this.stderrCopy?.write(d);
    });
    const session = options.session;
    session?.children.add(this.process);
    this.exited = new Promise((resolve) =>
      this.process.once('exit', (code, signal) => {
        this.doneAt = performance.now();
        session?.children.delete(this.process);
        this.stderrCopy?.end();
        resolve({ code, signal });
      }),
    );
  }

  /** Starts `logship run` on a pipeline written to a temp file. */
  static run(pipelineYaml: string, stateDir: string, extra: string[] = [], nodeFlags: string[] = []): Shipper {
    const file = join(tempDir('logship-pipeline-'), 'pipeline.yaml');
    writeFileSync(file, pipelineYaml);
    return new Shipper(['run', file, '--state-dir', stateDir, ...extra], { nodeFlags });
  }

  /**
   * A benchmark's shipper: writes DIR/pipeline-TAG.yaml, runs `logship run` on it with its stderr
   * also in DIR/logship-TAG.stderr, under `node --cpu-prof` into `cpuProf.dir` when given; its
   * stdout into `stdoutFile` when given, else nowhere.
   */
  static start(spec: { dir: string; tag: string; pipeline: readonly string[] | string; stateDir?: string; session: Session; cpuProf?: { dir: string; name: string }; wrapper?: string[]; env?: NodeJS.ProcessEnv; stdoutFile?: string }): Shipper {
    const file = join(spec.dir, `pipeline-${spec.tag}.yaml`);
    writeFileSync(file, typeof spec.pipeline === 'string' ? spec.pipeline : `${spec.pipeline.join('\n')}\n`);
    const nodeFlags = spec.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', spec.cpuProf.dir, '--cpu-prof-name', spec.cpuProf.name] : [];
    const shipper = new Shipper(['run', file, '--state-dir', spec.stateDir ?? join(spec.dir, `state-${spec.tag}`)], {
      nodeFlags,
      stdout: false,
      stderrFile: join(spec.dir, `logship-${spec.tag}.stderr`),
      session: spec.session,
      ...(spec.wrapper ? { wrapper: spec.wrapper } : {}),
      ...(spec.env ? { env: spec.env } : {}),
      ...(spec.stdoutFile ? { stdoutFile: spec.stdoutFile } : {}),
    });
    shipper.pipelineFile = file;
    if (spec.cpuProf) shipper.profile = join(spec.cpuProf.dir, spec.cpuProf.name);
    return shipper;
  }

  get pid(): number {
    return this.process.pid as number;
  }

  isDone(): boolean {
    return this.doneAt !== undefined;
  }

  async waitForLog(text: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stderr.includes(text)) {
      if (Date.now() > deadline) throw new Error(`shipper did not log "${text}" within ${timeoutMs} ms; stderr:\n${this.stderr}`);
      if (this.process.exitCode !== null || this.process.signalCode !== null) throw new Error(`shipper exited with ${this.process.exitCode ?? this.process.signalCode}; stderr:\n${this.stderr}`);
      await sleep(50);
    }
  }

  /**
   * Waits until the pipeline runs and the input has listed the daemon's containers: "logship
   * started" is logged before the events stream is connected, so discovery gets `settleMs` more.
   */
  async ready(options: { settleMs?: number; timeoutMs?: number } = {}): Promise<void> {
    await this.waitForLog('"logship started"', options.timeoutMs);
    await sleep(options.settleMs ?? 300);
  }

  /** Signals the whole process group (logship and any wrapper around it). */
  kill(signal: NodeJS.Signals): void {
    killTree(this.process, signal);
  }

  exit(): Promise<number | null> {
    return this.exited.then((e) => e.code);
  }

  /** How it exited: code and signal. */
  exitInfo(): Promise<Exit> {
    return this.exited;
  }

  /** SIGTERM and wait; returns the exit code. */
  async stop(): Promise<number | null> {
    if (this.process.exitCode !== null) return this.process.exitCode;
    this.kill('SIGTERM');
    return this.exit();
  }

  /** `signal` (SIGTERM), then SIGKILL when it has not stopped within `killAfterMs`; resolves with how it exited. */
  async stopWithin(signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 30_000): Promise<Exit> {
    if (this.isDone()) return this.exited;
    this.kill(signal);
    const timer = setTimeout(() => {
      log(`logship did not stop within ${killAfterMs / 1000} s of ${signal}; killing it`);
      this.kill('SIGKILL');
    }, killAfterMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Its log so far, read. */
  log(): ShipperLog {
    return parseShipperLog(this.stderr);
  }
}
