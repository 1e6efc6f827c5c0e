/**
 * Fluent-style tag globs: tags are dot-separated parts; `*` matches within one part,
 * a part that is exactly `**` matches any number of parts (including none).
 */
export type TagMatcher = (tag: string) => boolean;

export function compileTagGlob(glob: string): TagMatcher {
  // the default of every transform and output: no splitting per record
  if (glob === '**') return () => true;
  const patterns = glob.split('.').map((part) => (part === '**' ? ANY_PARTS : partRegex(part)));
  return (tag) => matchParts(patterns, 0, tag.split('.'), 0);
}

const ANY_PARTS = Symbol('**');
type PartPattern = RegExp | typeof ANY_PARTS;

function matchParts(patterns: PartPattern[], p: number, parts: string[], t: number): boolean {
  if (p === patterns.length) return t === parts.length;
  const pattern = patterns[p];
  if (pattern === ANY_PARTS) {
    for (let skip = t; skip <= parts.length; skip++) {
      if (matchParts(patterns, p + 1, parts, skip)) return true;
    }
    return false;
  }
  const part = parts[t];
  return part !== undefined && pattern !== undefined && pattern.test(part) && matchParts(patterns, p + 1, parts, t + 1);
}

function partRegex(part: string): RegExp {
  const body = part.split('*').map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`);
}

/** Returns why a glob is invalid, or undefined when it is fine. */
export function tagGlobProblem(glob: string): string | undefined {
  if (glob.length === 0) return 'must not be empty';
  const parts = glob.split('.');
  if (parts.some((p) => p.length === 0)) return 'has an empty part (two dots in a row, or a leading or trailing dot)';
  if (parts.some((p) => p.includes('**') && p !== '**')) return '"**" must be a whole part, as in "docker.**"';
  return undefined;
}
