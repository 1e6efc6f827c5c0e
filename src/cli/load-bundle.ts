import { accessSync, constants, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../state/file-modes.js';

/** What the bundle exports: dist/cli/main.ts's entry point. */
export interface BundleExports {
  main(argv: string[]): Promise<number | undefined>;
}

/** How the bundle's compiled code was found: from the cache, or compiled now (no cache, or one V8 refused). */
export type CodeCacheUse = 'used' | 'rejected' | 'missing' | 'off';

export interface LoadOptions {
  /** Where caches live (a `code-cache` folder is made in it); the bundle's own folder when unset. */
  cacheDir?: string;
  /** Write a cache when there is none: only a process that runs a shipper, whose start-up the cache should hold. */
  writeCache: boolean;
  /** How long after the start the cache is written (by then it holds what the start-up compiled). */
  writeAfterMs?: number;
}

type CommonJsWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

/** The first line scripts/bundle.mjs gives the bundle: the hash of everything after it. */
const BUILD_LINE = /^\/\/ logship build ([0-9a-f]{16,64})$/;

/**
 * Loads the CommonJS bundle (dist/bundle/logship.cjs) with V8's code cache. Compiling the
 * bundle's 750 KB, and then each function the start-up calls, was about a third of the time
 * before the first record; a cache written by an earlier run skips both. Node 20 offers that
 * for classic scripts only (module.enableCompileCache came in Node 22), hence CommonJS.
 *
 * V8 checks a cache's version and flags but knows the source only by its length, so a cache is
 * named after the build's content hash (the bundle's first line), the Node version and the
 * architecture: it never meets another build. Without a usable cache (first start, a corrupt
 * file: V8 refuses it) the bundle is compiled as usual and, when `writeCache` is set and the
 * folder is writable, the cache is written `writeAfterMs` later, replacing older builds' caches.
 */
export function loadBundle(file: string, options: LoadOptions): { exports: BundleExports; cache: CodeCacheUse } {
  const source = readFileSync(file, 'utf8');
  const build = BUILD_LINE.exec(source.slice(0, source.indexOf('\n')))?.[1];
  const folder = join(options.cacheDir ?? dirname(file), 'code-cache');
  const cacheFile = build && join(folder, `logship-${build.slice(0, 16)}-${process.version}-${process.arch}.cache`);
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // none yet
    }
  }
  const script = new Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const cache: CodeCacheUse = !cacheFile ? 'off' : !cachedData ? 'missing' : script.cachedDataRejected ? 'rejected' : 'used';
  if (cacheFile && cache !== 'used' && options.writeCache && writable(folder)) {
    setTimeout(() => writeCodeCache(script, folder, cacheFile), options.writeAfterMs ?? 3000).unref();
  }
  const module = { exports: {} };
  (script.runInThisContext() as CommonJsWrapper).call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports as BundleExports, cache };
}

/** The folder can be made and written (a read-only install or root filesystem: no cache, and no cost for one). */
function writable(folder: string): boolean {
  try {
    // often inside the state folder, which it may be the first to make
    mkdirSync(folder, { recursive: true, mode: PRIVATE_DIR_MODE });
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function writeCodeCache(script: Script, folder: string, cacheFile: string): void {
  // written aside and renamed: a process starting meanwhile reads the old file or the new one
  const temporary = `${cacheFile}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  try {
    writeFileSync(temporary, script.createCachedData(), { flag: 'wx', mode: PRIVATE_FILE_MODE });
    renameSync(temporary, cacheFile);
    for (const name of readdirSync(folder)) if (name.endsWith('.cache') && join(folder, name) !== cacheFile) rmSync(join(folder, name), { force: true });
  } catch {
    try {
      rmSync(temporary, { force: true });
    } catch {
      // nothing more to do: the next start compiles, as without a cache
    }
  }
}
