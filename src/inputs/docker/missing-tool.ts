import type { Logger } from '../../core/logger.js';

/**
 * The exec-based inputs need tools in the container (sh, the command, tail…): an image without
 * them is said once per container start, not once per attempt.
 */
export class MissingTools {
  private readonly warned = new Set<string>();

  constructor(
    private readonly inputType: string,
    private readonly logger: Logger,
    /** What the input does about it, e.g. "cannot follow files in this container until it restarts". */
    private readonly consequence: string,
  ) {}

  report(containerId: string, image: string | undefined, tool: string): void {
    if (this.warned.has(containerId)) return;
    this.warned.add(containerId);
    const shown = image ?? 'unknown image';
    this.logger.warn({ container: containerId.slice(0, 12), image: shown }, `${this.inputType}: image ${shown} has no ${tool}; ${this.consequence}`);
  }

  /** The container started again (its tools are looked for anew) or is gone. */
  forget(containerId: string): void {
    this.warned.delete(containerId);
  }
}
