// Runs a benchmark written in TypeScript with plain `node`: bundles the .ts entry point (with
// bench/lib) by esbuild into dist/bench/ and imports it. Node packages stay outside the bundle and
// load from node_modules. Used by each benchmark's run.mjs: `node bench/kafka/run.mjs --help`.
import { build, stop } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Bundles `entry` (a file URL of a .ts file under bench/) and runs it in this process. */
export async function launch(entry) {
  const source = fileURLToPath(entry);
  const outfile = join(root, 'dist', 'bench', relative(join(root, 'bench'), source).replace(/\.ts$/, '.mjs'));
  if (!existsSync(join(root, 'node_modules', 'esbuild'))) throw new Error('esbuild is missing: run npm ci');
  await build({ entryPoints: [source], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', sourcemap: 'inline', logLevel: 'warning' });
  // esbuild's service process is not needed any more: it would outlive the benchmark for a moment
  await stop();
  await import(pathToFileURL(outfile).href);
}
