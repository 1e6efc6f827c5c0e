/**
 * Fluent-style tag globs: tags are dot-separated parts; `*` matches within one part,
 * a part that is exactly `**` matches any number of parts (including none).
 *
 * Globs come from pipeline files and from any client of the API's /tap, so matching must stay
 * cheap whatever the glob: a glob is run as a set of positions over the tag's parts (an NFA
 * simulation), O(tag parts × glob parts), and `*` within a part by a greedy scan, never a regex
 * that can backtrack.
 */
export type TagMatcher = (tag: string) => boolean;

/** Longer globs are refused: no routing needs them, and a client could send them to /tap. */
export const MAX_TAG_GLOB_CHARS = 1024;
export const MAX_TAG_GLOB_PARTS = 64;

const ANY_PARTS = Symbol('**');
type PartMatcher = (part: string) => boolean;
type PartPattern = PartMatcher | typeof ANY_PARTS;

export function compileTagGlob(glob: string): TagMatcher {
  // the default of every transform and output: no splitting per record
  if (glob === '**') return () => true;
  const patterns: PartPattern[] = [];
  for (const part of glob.split('.')) {
    // "**.**" matches what "**" matches; one of them is enough
    if (part === '**' && patterns[patterns.length - 1] === ANY_PARTS) continue;
    patterns.push(part === '**' ? ANY_PARTS : partMatcher(part));
  }
  if (!patterns.includes(ANY_PARTS)) {
    const fixed = patterns as PartMatcher[];
    return (tag) => {
      const parts = tag.split('.');
      return parts.length === fixed.length && fixed.every((match, i) => match(parts[i] as string));
    };
  }
  return positionsMatcher(patterns);
}

/**
 * Tracks every glob position the tag's parts so far can have reached. `reached[p]`: the first p
 * patterns match the parts read; a `**` at p also lets the tag skip to p + 1 without a part.
 */
function positionsMatcher(patterns: PartPattern[]): TagMatcher {
  const end = patterns.length;
  // matching is synchronous, so one pair of buffers per glob serves every call
  let reached = new Uint8Array(end + 1);
  let next = new Uint8Array(end + 1);
  const skipAnyParts = (positions: Uint8Array): void => {
    for (let p = 0; p < end; p++) if (positions[p] && patterns[p] === ANY_PARTS) positions[p + 1] = 1;
  };
  return (tag) => {
    reached.fill(0);
    reached[0] = 1;
    skipAnyParts(reached);
    for (const part of tag.split('.')) {
      next.fill(0);
      let alive = false;
      for (let p = 0; p < end; p++) {
        if (!reached[p]) continue;
        const pattern = patterns[p] as PartPattern;
        if (pattern === ANY_PARTS) next[p] = 1;
        else if (pattern(part)) next[p + 1] = 1;
        else continue;
        alive = true;
      }
      if (!alive) return false;
      skipAnyParts(next);
      [reached, next] = [next, reached];
    }
    return reached[end] === 1;
  };
}

/** One part with `*` wildcards: the pieces between stars must appear in order; leftmost is always right. */
function partMatcher(part: string): PartMatcher {
  if (!part.includes('*')) return (text) => text === part;
  const pieces = part.split('*');
  const first = pieces[0] as string;
  const last = pieces[pieces.length - 1] as string;
  const middle = pieces.slice(1, -1).filter((piece) => piece.length > 0);
  return (text) => {
    if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last)) return false;
    const stop = text.length - last.length;
    let at = first.length;
    for (const piece of middle) {
      const found = text.indexOf(piece, at);
      if (found < 0 || found + piece.length > stop) return false;
      at = found + piece.length;
    }
    return true;
  };
}

/** Returns why a glob is invalid, or undefined when it is fine. */
export function tagGlobProblem(glob: string): string | undefined {
  if (glob.length === 0) return 'must not be empty';
  if (glob.length > MAX_TAG_GLOB_CHARS) return `is ${glob.length} characters long; at most ${MAX_TAG_GLOB_CHARS} characters are allowed`;
  const parts = glob.split('.');
  if (parts.length > MAX_TAG_GLOB_PARTS) return `has ${parts.length} parts; at most ${MAX_TAG_GLOB_PARTS} parts are allowed`;
  if (parts.some((p) => p.length === 0)) return 'has an empty part (two dots in a row, or a leading or trailing dot)';
  if (parts.some((p) => p.includes('**') && p !== '**')) return '"**" must be a whole part, as in "docker.**"';
  return undefined;
}
