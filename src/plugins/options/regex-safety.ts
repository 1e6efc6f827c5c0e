/**
 * A static check for regular expressions that can backtrack catastrophically. JavaScript's engine
 * backtracks: `(a+)+$` on thirty "a"s and a "!" takes minutes, and a transform runs on the
 * event loop, so one such line stops the whole shipper. A linear-time engine (re2) would need a
 * native addon built at install time; this check refuses the known exponential shapes instead:
 *
 * - a repeated group holding a variable repeat that can match the same characters as the rest of
 *   an iteration, e.g. `(a+)+`, `(\w+\s?)*`, `(.*a){12}`: each split of a run is tried;
 * - a repeated group where the end of one iteration and the start of the next (or two neighbours
 *   within one) are variable-length parts that can match the same characters with nothing that
 *   must match another character between them, e.g. `(?:\w+=\w*\s*)+`;
 * - a repeated alternation whose branches can start with the same character, e.g. `(a|ab)*`;
 * - backreferences, which make matching exponential in the worst case.
 *
 * It is conservative (some safe patterns are refused; docs/security-regex.md says how to rewrite
 * them) and does not catch polynomial cases such as `.*a.*b.*c` on very long lines.
 */

export const MAX_REGEX_LENGTH = 2048;

type Node =
  | { kind: 'char'; source: string }
  | { kind: 'seq'; items: Node[] }
  | { kind: 'alt'; options: Node[] }
  | { kind: 'group'; body: Node; lookaround: boolean }
  | { kind: 'repeat'; body: Node; min: number; max: number; text: string }
  | { kind: 'assertion' }
  | { kind: 'backref' };

/** The problem with a pattern `new RegExp` accepts, or undefined when it is safe to run on every line. */
export function regexSafetyProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_REGEX_LENGTH) return `is ${pattern.length} characters long; a regular expression may have at most ${MAX_REGEX_LENGTH} characters`;
  return findProblem(new Parser(pattern).parse());
}

function findProblem(node: Node): string | undefined {
  switch (node.kind) {
    case 'backref':
      return 'backreferences (\\1, \\k<name>) can take exponential time on some lines — match each case instead, e.g. ("[^"]*"|\'[^\']*\')';
    case 'seq':
      return first(node.items, findProblem);
    case 'alt':
      return first(node.options, findProblem);
    case 'group':
      return findProblem(node.body);
    case 'repeat':
      return (node.max >= 2 ? repeatProblem(node) : undefined) ?? findProblem(node.body);
    default:
      return undefined;
  }
}

function repeatProblem(repeat: Extract<Node, { kind: 'repeat' }>): string | undefined {
  const elements = flatten(repeat.body);
  const alternation = elements.find((e): e is Extract<Node, { kind: 'alt' }> => e.kind === 'alt');
  const branches = alternation?.options.filter((o) => minLength(o) > 0) ?? [];
  for (let i = 0; i < branches.length; i++) {
    for (let j = i + 1; j < branches.length; j++) {
      if (intersects(firstChars(branches[i] as Node), firstChars(branches[j] as Node))) {
        return `"${repeat.text}" repeats alternatives that can start with the same character, which can take exponential time on some lines (catastrophic backtracking) — make the branches start differently, e.g. "(g(?:et|o))+" instead of "(get|go)+"`;
      }
    }
  }
  const iterations = elements.length === 1 && elements[0]?.kind === 'alt' ? elements[0].options.map(flatten) : [elements];
  for (const parts of iterations) {
    for (const part of parts) {
      for (const inner of variableRepeats(part)) {
        const innerChars = chars(inner);
        if (!parts.some((other) => other !== part && consumesOutside(other, innerChars))) {
          return `nested quantifier "${repeat.text}" can take exponential time on some lines (catastrophic backtracking) — drop one quantifier (e.g. "a+" instead of "(a+)+"), or end each repetition with a character the inner one cannot match, e.g. "(\\w+\\s)*"`;
        }
      }
    }
  }
  for (const [b, parts] of iterations.entries()) {
    for (const [i, part] of parts.entries()) {
      if (!isVariable(part)) continue;
      const clash = runOn(iterations, b, i);
      if (clash) {
        return `nested quantifier "${repeat.text}" can take exponential time on some lines (catastrophic backtracking): the characters matched by "${sourceOf(part)}" can also be matched by "${sourceOf(clash)}" ${clash === part || parts.indexOf(clash) <= i ? 'at the start of the next repetition' : 'after it'}, so a run of them can be split in many ways — put a character neither can match between them, e.g. "\\w+=\\w*(?:\\s+\\w+=\\w*)*" instead of "(?:\\w+=\\w*\\s*)+"`;
      }
    }
  }
  return undefined;
}

/**
 * The variable-length part after `iterations[b][i]` (in the same iteration, or at the start of the
 * next one, the same part included) that can take some of its characters, with nothing in between
 * that must consume a character outside them: the boundary between the two is then ambiguous, e.g.
 * `\w*` and `\w+` in `(?:\w+=\w*\s*)+`, where `\s*` may match nothing.
 */
function runOn(iterations: readonly Node[][], b: number, i: number): Node | undefined {
  const parts = iterations[b] as Node[];
  const set = chars(parts[i] as Node);
  // undefined: the walk goes on; null: a fence ends it
  const visit = (other: Node): Node | null | undefined => {
    if (isVariable(other) && intersects(chars(other), set)) return other;
    return consumesOutside(other, set) ? null : undefined;
  };
  for (const other of parts.slice(i + 1)) {
    const found = visit(other);
    if (found !== undefined) return found ?? undefined;
  }
  // the rest of the iteration may match nothing (or only these characters): on to the next one
  for (const [c, next] of iterations.entries()) {
    for (const other of c === b ? next.slice(0, i + 1) : next) {
      const found = visit(other);
      if (found === null) break;
      if (found) return found;
    }
  }
  return undefined;
}

/** Whether a part can match texts of different lengths. */
function isVariable(node: Node): boolean {
  return maxLength(node) > minLength(node);
}

function sourceOf(node: Node): string {
  return sources.get(node) ?? '…';
}

function first<T>(items: readonly T[], f: (item: T) => string | undefined): string | undefined {
  for (const item of items) {
    const found = f(item);
    if (found) return found;
  }
  return undefined;
}

/** The parts one iteration consists of, groups opened: `(?:a+b)` is [a+, b]. */
function flatten(node: Node): Node[] {
  if (node.kind === 'seq') return node.items.flatMap(flatten);
  if (node.kind === 'group' && !node.lookaround) return flatten(node.body);
  return [node];
}

function variableRepeats(node: Node): Node[] {
  const own = node.kind === 'repeat' && node.max > node.min ? [node] : [];
  return [...own, ...children(node).flatMap(variableRepeats)];
}

function children(node: Node): Node[] {
  if (node.kind === 'seq') return node.items;
  if (node.kind === 'alt') return node.options;
  if (node.kind === 'group' || node.kind === 'repeat') return [node.body];
  return [];
}

/** Whether `node` always consumes at least one character outside `set`: a fence between two runs of the inner repeat. */
function consumesOutside(node: Node, set: CharSet): boolean {
  switch (node.kind) {
    case 'char':
      return !intersects(charSet(node.source), set);
    case 'seq':
      return node.items.some((item) => consumesOutside(item, set));
    case 'alt':
      return node.options.every((option) => consumesOutside(option, set));
    case 'group':
      return !node.lookaround && consumesOutside(node.body, set);
    case 'repeat':
      return node.min >= 1 && consumesOutside(node.body, set);
    default:
      return false;
  }
}

function minLength(node: Node): number {
  switch (node.kind) {
    case 'char':
      return 1;
    case 'seq':
      return node.items.reduce((n, item) => n + minLength(item), 0);
    case 'alt':
      return Math.min(...node.options.map(minLength));
    case 'group':
      return node.lookaround ? 0 : minLength(node.body);
    case 'repeat':
      return node.min === 0 ? 0 : node.min * minLength(node.body);
    default:
      return 0;
  }
}

function maxLength(node: Node): number {
  switch (node.kind) {
    case 'char':
      return 1;
    case 'seq':
      return node.items.reduce((n, item) => n + maxLength(item), 0);
    case 'alt':
      return Math.max(...node.options.map(maxLength));
    case 'group':
      return node.lookaround ? 0 : maxLength(node.body);
    case 'repeat': {
      const body = maxLength(node.body);
      return body === 0 || node.max === 0 ? 0 : body * node.max;
    }
    default:
      return 0;
  }
}

const charsOf = new WeakMap<Node, CharSet>();

function chars(node: Node): CharSet {
  let set = charsOf.get(node);
  if (!set) {
    if (node.kind === 'char') set = charSet(node.source);
    else if (node.kind === 'group' && node.lookaround) set = EMPTY;
    else set = union(children(node).map(chars));
    charsOf.set(node, set);
  }
  return set;
}

function firstChars(node: Node): CharSet {
  switch (node.kind) {
    case 'char':
      return charSet(node.source);
    case 'seq': {
      const sets: CharSet[] = [];
      for (const item of node.items) {
        sets.push(firstChars(item));
        if (minLength(item) > 0) break;
      }
      return union(sets);
    }
    case 'alt':
      return union(node.options.map(firstChars));
    case 'group':
      return node.lookaround ? EMPTY : firstChars(node.body);
    case 'repeat':
      return firstChars(node.body);
    default:
      return EMPTY;
  }
}

/**
 * Which characters an atom matches, tested with the engine itself on ASCII and a few others
 * (no-break space, é, a CJK character, the line separator, BOM): exact for what classes and
 * escapes distinguish in logs, cheap enough for every atom of a 2048-character pattern.
 */
type CharSet = readonly boolean[];
const UNIVERSE = [...Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)), '\u00a0', '\u00e9', '\u4e2d', '\u2028', '\ufeff'];
const EMPTY: CharSet = UNIVERSE.map(() => false);
const charSets = new Map<string, CharSet>();

function charSet(source: string): CharSet {
  let set = charSets.get(source);
  if (!set) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(`^(?:${source})$`);
    } catch {
      re = undefined;
    }
    set = re ? UNIVERSE.map((c) => (re as RegExp).test(c)) : EMPTY;
    if (charSets.size < 10_000) charSets.set(source, set);
  }
  return set;
}

function union(sets: readonly CharSet[]): CharSet {
  return EMPTY.map((_, i) => sets.some((s) => s[i]));
}

function intersects(a: CharSet, b: CharSet): boolean {
  return a.some((v, i) => v && b[i]);
}

/** The text each node was parsed from. */
const sources = new WeakMap<Node, string>();

const QUANTIFIERS: Record<string, [number, number]> = { '*': [0, Infinity], '+': [1, Infinity], '?': [0, 1] };

/** A parser of the patterns `new RegExp(text)` accepts (no flags), just detailed enough for the check. */
class Parser {
  private pos = 0;
  private readonly groups: number;

  constructor(private readonly src: string) {
    this.groups = countCapturingGroups(src);
  }

  parse(): Node {
    const node = this.alternation();
    // a stray ")" cannot be here: the pattern compiled
    return node;
  }

  private alternation(): Node {
    const start = this.pos;
    const options = [this.sequence()];
    while (this.src[this.pos] === '|') {
      this.pos++;
      options.push(this.sequence());
    }
    return options.length === 1 ? (options[0] as Node) : this.located({ kind: 'alt', options }, start);
  }

  private sequence(): Node {
    const items: Node[] = [];
    const start = this.pos;
    while (this.pos < this.src.length && this.src[this.pos] !== '|' && this.src[this.pos] !== ')') {
      const itemStart = this.pos;
      items.push(this.located(this.quantified(this.atom(), itemStart), itemStart));
    }
    return this.located({ kind: 'seq', items }, start);
  }

  /** Remembers the text of a node, for messages. */
  private located(node: Node, start: number): Node {
    sources.set(node, this.src.slice(start, this.pos));
    return node;
  }

  private atom(): Node {
    const src = this.src;
    const start = this.pos;
    const c = src[this.pos++];
    if (c === '(') {
      let lookaround = false;
      const look = ['?=', '?!', '?<=', '?<!'].find((prefix) => src.startsWith(prefix, this.pos));
      if (look) {
        this.pos += look.length;
        lookaround = true;
      } else if (src.startsWith('?:', this.pos)) this.pos += 2;
      else if (src.startsWith('?<', this.pos)) this.pos = src.indexOf('>', this.pos) + 1;
      const body = this.alternation();
      this.pos++; // ")"
      return { kind: 'group', body, lookaround };
    }
    if (c === '[') {
      if (src[this.pos] === '^') this.pos++;
      while (this.pos < src.length && src[this.pos] !== ']') this.pos += src[this.pos] === '\\' ? 2 : 1;
      this.pos++;
      return { kind: 'char', source: src.slice(start, this.pos) };
    }
    if (c === '^' || c === '$') return { kind: 'assertion' };
    if (c === '\\') return this.escape(start);
    return { kind: 'char', source: src.slice(start, this.pos) };
  }

  private escape(start: number): Node {
    const src = this.src;
    const e = src[this.pos++] ?? '';
    if (e === 'b' || e === 'B') return { kind: 'assertion' };
    if (/[1-9]/.test(e)) {
      const digits = /^\d*/.exec(src.slice(this.pos))?.[0] ?? '';
      if (Number(e + digits) <= this.groups) {
        this.pos += digits.length;
        return { kind: 'backref' };
      }
    }
    if (e === 'k' && src[this.pos] === '<' && /\(\?<[^=!]/.test(src)) {
      this.pos = src.indexOf('>', this.pos) + 1;
      return { kind: 'backref' };
    }
    const operand = e === 'x' ? /^[0-9a-fA-F]{2}/ : e === 'u' ? /^[0-9a-fA-F]{4}/ : e === 'c' ? /^[A-Za-z]/ : undefined;
    if (operand) this.pos += operand.exec(src.slice(this.pos))?.[0].length ?? 0;
    return { kind: 'char', source: src.slice(start, this.pos) };
  }

  private quantified(atom: Node, start: number): Node {
    const src = this.src;
    let [min, max] = QUANTIFIERS[src[this.pos] ?? ''] ?? [-1, -1];
    if (min >= 0) this.pos++;
    else {
      const m = src[this.pos] === '{' ? /^\{(\d+)(,(\d*))?\}/.exec(src.slice(this.pos)) : null;
      if (!m) return atom;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] ? Number(m[3]) : Infinity;
      this.pos += m[0].length;
    }
    if (src[this.pos] === '?') this.pos++;
    return { kind: 'repeat', body: atom, min, max, text: src.slice(start, this.pos) };
  }
}

/** Capturing groups decide whether `\2` is a backreference or an octal escape. */
function countCapturingGroups(src: string): number {
  let count = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '[') {
      for (i++; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
    } else if (c === '(' && (src[i + 1] !== '?' || (src[i + 2] === '<' && src[i + 3] !== '=' && src[i + 3] !== '!'))) count++;
  }
  return count;
}
