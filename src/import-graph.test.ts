import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The floors of src/, from the ground up: a file imports only from its own floor or lower ones,
 * and no files import each other in a circle. The plugin API (src/plugins/: the contract and the
 * option helpers plugins use) is a bottom floor; the registry, which imports every plugin, is
 * above the plugins; the loader, the runtime and the commands are above it.
 */
const FLOORS: ReadonlyArray<readonly string[]> = [
  ['core', 'types'],
  ['state', 'services'],
  ['plugins'],
  ['inputs', 'outputs', 'transforms'],
  ['registry.ts'],
  ['config'],
  ['pipeline'],
  ['api', 'testing'],
  ['cli'],
];

const src = dirname(fileURLToPath(import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The src/ files a file imports (static, re-exports and import()), by path relative to src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(src, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*'(\.[^']+)'|(?:^|\n)\s*import\s*'(\.[^']+)'|\bimport\(\s*'(\.[^']+)'\s*\)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  return specifiers.map((s) => relative(src, resolve(dirname(join(src, file)), s)).replace(/\.js$/, '.ts'));
}

function floorOf(file: string): number {
  const area = file.split('/')[0] ?? file;
  const floor = FLOORS.findIndex((areas) => areas.includes(area));
  if (floor < 0) throw new Error(`${file}: src/${area} is on no floor — add it to FLOORS in import-graph.test.ts`);
  return floor;
}

const graph = new Map(sourceFiles(src).map((path) => [relative(src, path), [] as string[]]));
for (const file of graph.keys()) graph.set(file, importsOf(file));

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
function circles(): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, counter);
    low.set(file, counter++);
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(file, Math.min(low.get(file)!, index.get(next)!));
    }
    if (low.get(file) === index.get(file)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== file);
      if (component.length > 1 || (graph.get(file) ?? []).includes(file)) found.push(component.sort());
    }
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return found;
}

describe('the import graph of src/', () => {
  it('reads the files and their imports', () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get('registry.ts')).toContain('plugins/types.ts');
  });

  it('imports resolve to files of src/', () => {
    const missing = [...graph].flatMap(([file, imports]) => imports.filter((i) => !graph.has(i)).map((i) => `${file} -> ${i}`));
    expect(missing).toEqual([]);
  });

  it('has no circles', () => {
    expect(circles()).toEqual([]);
  });

  it('has no import from a lower floor to a higher one', () => {
    const upward = [...graph].flatMap(([file, imports]) => imports.filter((i) => graph.has(i) && floorOf(i) > floorOf(file)).map((i) => `${file} -> ${i}`));
    expect(upward).toEqual([]);
  });
});
