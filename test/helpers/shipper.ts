import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const LOGSHIP_BIN = join(REPO_ROOT, 'bin/logship.js');

export function tempDir(prefix = 'logship-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A real shipper process, as users run it. */
export class Shipper {
  readonly process: ChildProcess;
  stderr = '';
  stdout = '';
  private readonly exited: Promise<number | null>;

  constructor(args: string[], options: { cwd?: string; command?: string[] } = {}) {
    const command = options.command ?? [process.execPath, LOGSHIP_BIN];
    // its own process group, so that stop() reaches logship behind wrappers like npx, as Ctrl-C does
    this.process = spawn(command[0] as string, [...command.slice(1), ...args], { cwd: options.cwd ?? REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    this.process.stdout?.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.process.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => this.process.once('exit', (code) => resolve(code)));
  }

  /** Starts `logship run` on a pipeline written to a temp file. */
  static run(pipelineYaml: string, stateDir: string, extra: string[] = [], nodeFlags: string[] = []): Shipper {
    const file = join(tempDir('logship-pipeline-'), 'pipeline.yaml');
    writeFileSync(file, pipelineYaml);
    return new Shipper(['run', file, '--state-dir', stateDir, ...extra], { command: [process.execPath, ...nodeFlags, LOGSHIP_BIN] });
  }

  async waitForLog(text: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.stderr.includes(text)) {
      if (Date.now() > deadline) throw new Error(`shipper did not log "${text}" within ${timeoutMs} ms; stderr:\n${this.stderr}`);
      if (this.process.exitCode !== null) throw new Error(`shipper exited with ${this.process.exitCode}; stderr:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Waits until the pipeline runs and the input has listed the daemon's containers. */
  async ready(): Promise<void> {
    await this.waitForLog('logship started');
    await new Promise((r) => setTimeout(r, 300));
  }

  /** Signals the whole process group (logship and any wrapper around it). */
  kill(signal: NodeJS.Signals): void {
    try {
      process.kill(-(this.process.pid as number), signal);
    } catch {
      // already gone
    }
  }

  exit(): Promise<number | null> {
    return this.exited;
  }

  /** SIGTERM and wait; returns the exit code. */
  async stop(): Promise<number | null> {
    if (this.process.exitCode !== null) return this.process.exitCode;
    this.kill('SIGTERM');
    return this.exited;
  }
}
