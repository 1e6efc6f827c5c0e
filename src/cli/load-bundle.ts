import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** What the bundle exports: dist/cli/main.ts's entry point. */
export interface BundleExports {
  main(argv: string[]): Promise<number | undefined>;
}

/** How the bundle's compiled code was found: from the cache, or compiled now. */
export type CodeCacheUse = 'used' | 'rejected' | 'missing';

type CommonJsWrapper = (exports: object, require: NodeJS.Require, module: { exports: object }, filename: string, dirname: string) => void;

/** What Node wraps a CommonJS file in (Module.wrap). */
const wrap = (source: string): string => `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

/**
 * Loads the CommonJS bundle (dist/bundle/logship.cjs) with V8's code cache beside it. Compiling
 * the bundle's 750 KB, and then each function the start-up calls, was about a third of the time
 * before the first record; a cache written by an earlier run skips both. Node 20 offers that
 * for classic scripts only (module.enableCompileCache came in Node 22), hence CommonJS.
 *
 * Without a usable cache (first start, another Node version, a corrupt file: V8 checks), the
 * bundle is compiled as usual and, if the process is still running `writeAfterMs` later (a
 * shipper, not a one-shot command), the cache is written: by then it holds the functions the
 * start-up compiled. A read-only installation just goes without.
 */
export function loadBundle(file: string, writeAfterMs = 3000): { exports: BundleExports; cache: CodeCacheUse } {
  const cacheFile = codeCacheFile(file);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // none yet
  }
  const script = new Script(wrap(readFileSync(file, 'utf8')), { filename: file, ...(cachedData ? { cachedData } : {}) });
  const cache: CodeCacheUse = !cachedData ? 'missing' : script.cachedDataRejected ? 'rejected' : 'used';
  if (cache !== 'used') setTimeout(() => writeCodeCache(script, cacheFile), writeAfterMs).unref();
  const module = { exports: {} };
  (script.runInThisContext() as CommonJsWrapper).call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return { exports: module.exports as BundleExports, cache };
}

/**
 * The cache's name carries the bundle's size and modification time: V8 checks its version and
 * flags but knows the source only by its length, so a cache must never meet another build.
 */
export function codeCacheFile(file: string): string {
  const { size, mtimeMs, ino } = statSync(file);
  return `${file}.${size}-${Math.floor(mtimeMs)}-${ino}.cache`;
}

function writeCodeCache(script: Script, cacheFile: string): void {
  // written aside and renamed: a process starting meanwhile reads the old file or the new one
  const temporary = `${cacheFile}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
  } catch {
    rmSync(temporary, { force: true });
  }
}
