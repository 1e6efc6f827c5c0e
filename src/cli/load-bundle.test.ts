import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeCacheFile, loadBundle } from './load-bundle.js';

/** A CommonJS "bundle" with a main() that reports what CommonJS gave it. */
function bundle(body = ''): string {
  const file = join(mkdtempSync(join(tmpdir(), 'bundle-')), 'logship.cjs');
  writeFileSync(file, `${body}\nexports.main = async (argv) => [argv.length, typeof require, require('node:path').basename(__filename), require('node:path').basename(__dirname) !== ''].join(' ');\n`);
  return file;
}

const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('loadBundle', () => {
  it('runs the bundle as CommonJS, writes its code cache once it has run a while, and uses it next time', async () => {
    const file = bundle('function unused() { return 1; }');
    const first = loadBundle(file, 10);
    expect(first.cache).toBe('missing');
    expect(await first.exports.main(['a', 'b'])).toBe('2 function logship.cjs true');
    await settle(100);
    expect(existsSync(codeCacheFile(file))).toBe(true);
    expect(loadBundle(file, 10).cache).toBe('used');
  });

  it('a cache that is not V8 data is rejected and written anew', async () => {
    const file = bundle();
    writeFileSync(codeCacheFile(file), 'not a code cache');
    expect(loadBundle(file, 10).cache).toBe('rejected');
    await settle(100);
    expect(loadBundle(file, 10).cache).toBe('used');
  });

  it("a rebuilt bundle never meets the old build's cache, even at the same length (V8 knows sources by length only)", async () => {
    const file = bundle('exports.version = () => 1;');
    expect(loadBundle(file, 10).exports).toHaveProperty('version');
    await settle(100);
    const source = readFileSync(file, 'utf8');
    writeFileSync(file, source.replace('=> 1;', '=> 2;'));
    expect(readFileSync(file, 'utf8')).toHaveLength(source.length);
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    const rebuilt = loadBundle(file, 10);
    expect(rebuilt.cache).toBe('missing');
    expect((rebuilt.exports as unknown as { version(): number }).version()).toBe(2);
  });

  it('where it cannot write the cache, it goes without one', async () => {
    const file = bundle();
    // a folder where the cache file would go: writing it fails for root too
    mkdirSync(codeCacheFile(file));
    expect(loadBundle(file, 10).cache).toBe('missing');
    await settle(100);
    expect(readdirSync(dirname(file)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(loadBundle(file, 10).cache).toBe('missing');
  });
});
