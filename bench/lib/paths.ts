import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository's root: the nearest folder above this module holding package.json. Found by
 * walking up, so that it is the same whether this file runs from bench/lib/ (vitest, tsc) or
 * bundled into dist/bench/ (bench/lib/launch.mjs).
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = findRoot();
export const LOGSHIP_BIN = join(REPO_ROOT, 'bin', 'logship.js');

/** The first of these dist/ files that is missing (relative to dist/), or undefined when the build is there. */
export function missingBuild(distFiles: readonly string[]): string | undefined {
  return ['cli/main.js', ...distFiles].map((p) => join(REPO_ROOT, 'dist', p)).find((p) => !existsSync(p));
}
