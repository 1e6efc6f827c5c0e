import { createInterface } from 'node:readline';
import { REPO_ROOT } from './paths.js';
import { join } from 'node:path';
import type { Exit, Session, Tracked } from './session.js';

/** The program that posts an NDJSON file through the kit's `_bulk` loop (bulk-file.ts). */
export const BULK_FILE_PROGRAM = join(REPO_ROOT, 'bench', 'lib', 'bulk-file.mjs');

/**
 * The parent's side of a reference `_bulk` process (bulk-loop.ts's serveBulkReference): spawns
 * it, waits for its "ready" (bodies built, not timed), says "go", waits for its "done".
 */
export class BulkReference {
  readonly process: Tracked;
  private readonly messages: Record<string, unknown>[] = [];
  private stderr = '';
  private wake: (() => void) | undefined;

  constructor(
    session: Session,
    readonly name: string,
    args: readonly string[],
  ) {
    this.process = session.spawn(name, process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const child = this.process.child;
    child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        this.messages.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not ours
      }
      this.wake?.();
    });
  }

  get pid(): number {
    return this.process.child.pid as number;
  }

  /** Its first message with `key` set ("ready", "done"); throws when it exited before saying it. */
  async next(key: 'ready' | 'done'): Promise<Record<string, unknown>> {
    for (;;) {
      const m = this.messages.find((x) => x[key]);
      if (m) return m;
      if (this.process.isDone()) throw new Error(`${this.name} exited: ${this.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 200);
      });
    }
  }

  go(): void {
    this.process.child.stdin?.write('go\n');
  }

  /** Ends its stdin (it exits by itself then), or signals it. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    this.process.child.stdin?.end();
    return this.process.stop(signal);
  }
}
