import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { compileTagGlob, MAX_TAG_GLOB_CHARS, MAX_TAG_GLOB_PARTS, tagGlobProblem } from './tag-match.js';

/**
 * Matches in a worker thread that is terminated after `limitMs`: a backtracking matcher spins
 * synchronously for minutes or forever, which no in-thread timeout can interrupt.
 */
async function matchInWorker(cases: Array<[glob: string, tag: string]>, limitMs: number): Promise<boolean[] | 'timed out'> {
  const dir = mkdtempSync(join(tmpdir(), 'tag-match-'));
  const source = readFileSync(fileURLToPath(new URL('./tag-match.ts', import.meta.url)), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  writeFileSync(join(dir, 'tag-match.mjs'), js);
  writeFileSync(
    join(dir, 'worker.mjs'),
    `import { parentPort, workerData } from 'node:worker_threads';
     import { compileTagGlob } from './tag-match.mjs';
     parentPort.postMessage(workerData.map(([glob, tag]) => compileTagGlob(glob)(tag)));`,
  );
  const worker = new Worker(join(dir, 'worker.mjs'), { workerData: cases });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      new Promise<boolean[]>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      }),
      new Promise<'timed out'>((resolve) => (timer = setTimeout(() => resolve('timed out'), limitMs))),
    ]);
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}

describe('tag globs', () => {
  it.each([
    ['docker.**', 'docker.main.web', true],
    ['docker.**', 'docker', true],
    ['docker.**', 'kube.main.web', false],
    ['docker.*', 'docker.main', true],
    ['docker.*', 'docker.main.web', false],
    ['docker.*.web', 'docker.main.web', true],
    ['docker.*.web', 'docker.exec.web', true],
    ['docker.*.web', 'docker.main.api', false],
    ['docker.main.web*', 'docker.main.web-2', true],
    ['docker.main.web*', 'docker.main.api', false],
    ['**', 'anything.at.all', true],
    ['**.web', 'docker.main.web', true],
    ['**.web', 'web', true],
    ['**.web', 'docker.main.web2', false],
    ['docker.**.web', 'docker.web', true],
    ['docker.**.web', 'docker.a.b.web', true],
    ['*', 'docker', true],
    ['*', 'docker.main', false],
    ['docker.main.a+b', 'docker.main.a+b', true],
    ['docker.main.a+b', 'docker.main.aab', false],
    ['docker.**.**.web', 'docker.web', true],
    ['docker.**.*', 'docker', false],
    ['docker.**.*', 'docker.x', true],
    ['**.a.**.b', 'x.a.y.a.z.b', true],
    ['**.a.**.b', 'x.b.y.a', false],
    ['*.*', 'a.b', true],
    ['*.*', 'a', false],
    ['a*b*c', 'abbbc', true],
    ['a*b*c', 'ac', false],
    ['*x*', 'x', true],
    ['w*', 'w', true],
    ['web*', 'we', false],
    ['*', '', true],
    ['docker.*', 'docker.', true],
  ])('%s on %s → %s', (glob, tag, expected) => {
    expect(compileTagGlob(glob)(tag)).toBe(expected);
  });

  it.each([
    ['an empty glob', '', 'must not be empty'],
    ['two dots in a row', 'docker..web', 'empty part'],
    ['"**" within a part', 'docker.**web', 'whole part'],
    ['the 1,501 parts of the /tap DoS', `${'**.'.repeat(1500)}x`, `is 4501 characters long; at most ${MAX_TAG_GLOB_CHARS} characters`],
    ['a glob too long', `docker.${'a'.repeat(MAX_TAG_GLOB_CHARS)}`, `at most ${MAX_TAG_GLOB_CHARS} characters`],
    ['too many parts', `${'a.'.repeat(MAX_TAG_GLOB_PARTS)}a`, `has ${MAX_TAG_GLOB_PARTS + 1} parts; at most ${MAX_TAG_GLOB_PARTS} parts`],
  ])('rejects %s', (_label, glob, problem) => {
    expect(tagGlobProblem(glob)).toContain(problem);
  });

  it('accepts globs at the limits', () => {
    expect(tagGlobProblem(Array.from({ length: MAX_TAG_GLOB_PARTS }, () => 'a').join('.'))).toBeUndefined();
    expect(tagGlobProblem(`docker.${'a'.repeat(MAX_TAG_GLOB_CHARS - 7)}`)).toBeUndefined();
  });

  it('matches pathological globs in linear time: no backtracking over "**" parts or "*" within a part', async () => {
    const longTag = `${'a.'.repeat(500)}a`;
    const cases: Array<[string, string]> = [
      // the /tap request of the issue: 1,500 "**" parts then one part, on a tag that ends otherwise
      [`${'**.'.repeat(1500)}x`, longTag],
      [`${'**.'.repeat(1500)}x`, `${longTag}.x`],
      // within the limits: alternating "**" and a part that matches everywhere but the end
      [`${'**.a.'.repeat(31)}b`, longTag],
      [`${'**.a.'.repeat(31)}a`, longTag],
      // within one part: many "*" before a letter that never comes
      [`${'*a'.repeat(100)}*b`, 'a'.repeat(1000)],
      [`${'*a'.repeat(100)}*`, 'a'.repeat(1000)],
    ];
    // these take hours or never end when backtracking; linear matching takes milliseconds
    expect(await matchInWorker(cases, 10_000)).toEqual([false, true, false, true, false, true]);
  }, 20_000);
});
