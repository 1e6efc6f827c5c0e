import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadBundle } from './load-bundle.js';

/** A CommonJS "bundle" as scripts/bundle.mjs writes one: the build line, "use strict", then the code. */
function bundle(build: string, body = ''): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bundle-')), 'logship.cjs');
  writeFileSync(
    file,
    `// logship build ${build}\n"use strict";\n${body}\nexports.main = async (argv) => [argv.length, typeof require, require('node:path').basename(__filename), (function () { return this === undefined; })()].join(' ');\n`,
  );
  return file;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));
const caches = (folder: string) => (existsSync(join(folder, 'code-cache')) ? readdirSync(join(folder, 'code-cache')) : []);

describe('loadBundle', () => {
  it('runs the bundle as strict CommonJS, writes its code cache after a while, and uses it next time', async () => {
    const file = bundle('a'.repeat(64), 'function unused() { return 1; }');
    const first = loadBundle(file, { writeCache: true, writeAfterMs: 10 });
    expect(first.cache).toBe('missing');
    expect(await first.exports.main(['a', 'b'])).toBe('2 function logship.cjs true');
    await settle(150);
    expect(caches(dirname(file))).toEqual([`logship-${'a'.repeat(16)}-${process.version}-${process.arch}.cache`]);
    expect(loadBundle(file, { writeCache: true }).cache).toBe('used');
  });

  it('only a process asked to (a shipper) writes the cache; a bundle without a build line is never cached', async () => {
    const file = bundle('b'.repeat(64));
    loadBundle(file, { writeCache: false, writeAfterMs: 10 });
    await settle(100);
    expect(caches(dirname(file))).toEqual([]);
    const unnamed = join(dirname(file), 'unnamed.cjs');
    writeFileSync(unnamed, readFileSync(file, 'utf8').split('\n').slice(1).join('\n'));
    expect(loadBundle(unnamed, { writeCache: true, writeAfterMs: 10 }).cache).toBe('off');
  });

  it('a cache that is not V8 data is refused and written anew', async () => {
    const file = bundle('c'.repeat(64));
    const folder = join(dirname(file), 'code-cache');
    mkdirSync(folder);
    writeFileSync(join(folder, `logship-${'c'.repeat(16)}-${process.version}-${process.arch}.cache`), 'not a code cache');
    expect(loadBundle(file, { writeCache: true, writeAfterMs: 10 }).cache).toBe('rejected');
    await settle(150);
    expect(loadBundle(file, { writeCache: true }).cache).toBe('used');
  });

  it("another build never meets this one's cache, even at the same length (V8 knows sources by length only); the new cache replaces the old", async () => {
    const file = bundle('d'.repeat(64), 'exports.version = () => 1;');
    loadBundle(file, { writeCache: true, writeAfterMs: 10 });
    await settle(150);
    const source = readFileSync(file, 'utf8');
    writeFileSync(file, source.replace('d'.repeat(64), 'e'.repeat(64)).replace('=> 1;', '=> 2;'));
    expect(readFileSync(file, 'utf8')).toHaveLength(source.length);
    const rebuilt = loadBundle(file, { writeCache: true, writeAfterMs: 10 });
    expect(rebuilt.cache).toBe('missing');
    expect((rebuilt.exports as unknown as { version(): number }).version()).toBe(2);
    await settle(150);
    expect(caches(dirname(file))).toEqual([`logship-${'e'.repeat(16)}-${process.version}-${process.arch}.cache`]);
  });

  it('keeps caches in the folder it is given (the state folder), and goes without where it cannot write', async () => {
    const file = bundle('f'.repeat(64));
    const state = mkdtempSync(join(tmpdir(), 'state-'));
    loadBundle(file, { writeCache: true, writeAfterMs: 10, cacheDir: state });
    await settle(150);
    expect(caches(state)).toHaveLength(1);
    expect(loadBundle(file, { writeCache: true, cacheDir: state }).cache).toBe('used');
    // a file where the cache folder would be: it cannot be made, for root too
    const blocked = mkdtempSync(join(tmpdir(), 'state-'));
    writeFileSync(join(blocked, 'code-cache'), '');
    expect(loadBundle(file, { writeCache: true, writeAfterMs: 10, cacheDir: blocked }).cache).toBe('missing');
    await settle(100);
    expect(readdirSync(blocked)).toEqual(['code-cache']);
  });

  it('a cache folder it makes is 0700 (in the state folder when it is made too), a cache file 0600', async () => {
    const umask = process.umask(0);
    try {
      const file = bundle('9'.repeat(64));
      const state = join(mkdtempSync(join(tmpdir(), 'state-')), 'state');
      loadBundle(file, { writeCache: true, writeAfterMs: 10, cacheDir: state });
      await settle(150);
      expect(statSync(state).mode & 0o777).toBe(0o700);
      expect(statSync(join(state, 'code-cache')).mode & 0o777).toBe(0o700);
      const [cache] = caches(state);
      expect(statSync(join(state, 'code-cache', cache!)).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(umask);
    }
  });

  it('the built bundle starts with its build line and "use strict" (npm run build)', () => {
    const built = fileURLToPath(new URL('../../dist/bundle/logship.cjs', import.meta.url));
    if (!existsSync(built)) throw new Error(`${built} is missing: run npm run build before the unit tests`);
    const [buildLine, strict] = readFileSync(built, 'utf8').split('\n', 2);
    expect(buildLine).toMatch(/^\/\/ logship build [0-9a-f]{64}$/);
    expect(strict).toBe('"use strict";');
  });
});
