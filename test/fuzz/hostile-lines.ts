/**
 * Seeded generator of what a hostile or sloppy container prints: JSON lines of random shapes and
 * depths, logship's own fields with every wrong type, lone UTF-16 surrogates, megabyte strings,
 * terminal escapes and forged control markers, and plain lines between them. Every line carries
 * its id (`h-ROUND-N` hostile, `n-ROUND-N` normal) where the test can find it again: in the `fuzz`
 * key, or in the text of the message.
 */

/** mulberry32: small, seedable, good enough to vary shapes. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ID_PATTERN = /\b([hn]-\d+-\d+)\b/;

/** Fields logship sets: parsed content must not replace them, and outputs must render whatever they hold. */
export const LOGSHIP_FIELDS = ['tag', 'container', 'host', 'source', 'stream', '@timestamp', 'log', 'exec'] as const;

export interface FuzzLine {
  id: string;
  hostile: boolean;
  /** The bytes the container prints, without the newline. */
  bytes: Buffer;
  kind: string;
}

type Rand = () => number;

const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
const int = (rand: Rand, from: number, to: number): number => from + Math.floor(rand() * (to - from + 1));

const ODD_STRINGS = [
  '\ud800', 'x\udc00y', '\udbff\udbff', '\u0000', '\u001b]0;title\u0007', '\u001b[2J', '\u009b31m', '\r', '\u2028', '\ufeff', '',
  '__proto__', 'constructor', '{container.name}', '%Y', '${HOME}', '\u0000logship-tail 1 99999', '.', 'a.b.c', ' '.repeat(3), 'é'.repeat(40),
];

const ODD_KEYS = ['__proto__', 'constructor', 'prototype', '', '.', 'a.b', '..', 'x.', '_id', '_index', '_source', 'message', 'parse_error', '_parsed', '\ud800', 'k\u0000', 'fuzz.inner'];

/** A parsed `message` replaces the line: the `message` kind does that with values that keep the id visible. */
const TOP_LEVEL_ODD_KEYS = ODD_KEYS.filter((key) => key !== 'message');

/** Any JSON value, up to `depth` levels. */
function value(rand: Rand, depth: number): unknown {
  const roll = rand();
  if (depth <= 0 || roll < 0.35) {
    return pick(rand, [null, true, false, 0, -1, 1e308, -1e-308, 2 ** 53 + 1, 3.14, int(rand, -1e9, 1e9), pick(rand, ODD_STRINGS), 'plain text']);
  }
  if (roll < 0.65) return Array.from({ length: int(rand, 0, 4) }, () => value(rand, depth - 1));
  const object: Record<string, unknown> = {};
  for (let i = int(rand, 0, 5); i > 0; i -= 1) object[rand() < 0.4 ? pick(rand, ODD_KEYS) : `k${int(rand, 0, 20)}`] = value(rand, depth - 1);
  return object;
}

/** JSON text of an object whose keys may be odd (`__proto__` as a real key needs it written by hand). */
function objectJson(entries: Array<[string, string]>): string {
  return `{${entries.map(([key, json]) => `${JSON.stringify(key)}:${json}`).join(',')}}`;
}

function deepJson(depth: number, open: string, close: string, leaf = '0'): string {
  return `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;
}

/** One hostile line of a random kind. */
function hostile(rand: Rand, id: string): FuzzLine {
  const fuzz: [string, string] = ['fuzz', JSON.stringify(id)];
  const kind = pick(rand, ['deep', 'reserved', 'wrong-types', 'message', 'huge', 'surrogates', 'random', 'not-object', 'garbage', 'many-keys']);
  let text: string;
  switch (kind) {
    case 'deep': {
      // deep enough to overflow JSON.stringify's stack (about 4,000 levels on Node 20)
      const depth = int(rand, 4_000, 12_000);
      text = objectJson([fuzz, ['deep', rand() < 0.5 ? deepJson(depth, '[', ']') : deepJson(depth, '{"d":', '}')]]);
      break;
    }
    case 'reserved': {
      // logship's fields at the top level: they must stay logship's (kept under _parsed)
      const entries: Array<[string, string]> = [fuzz];
      for (const field of LOGSHIP_FIELDS) if (rand() < 0.7) entries.push([field, JSON.stringify(value(rand, 3)) ?? 'null']);
      if (rand() < 0.5) entries.push(['tag', '"security.audit.sshd"'], ['container', '{"id":"forged","name":"sshd","image":{"name":"x"},"labels":{}}']);
      // the json transform's timestamp_field: any value must be taken or ignored, never fail the record
      if (rand() < 0.5) entries.push(['ts', JSON.stringify(value(rand, 2)) ?? 'null']);
      text = objectJson(entries);
      break;
    }
    case 'wrong-types': {
      // a `wrong` object that the pipeline's modify copies into logship's fields: every output must render them anyway
      const wrong: Array<[string, string]> = [];
      for (const field of LOGSHIP_FIELDS) if (rand() < 0.6) wrong.push([field, rand() < 0.15 ? deepJson(int(rand, 4_000, 8_000), '[', ']') : (JSON.stringify(value(rand, 2)) ?? 'null')]);
      if (rand() < 0.3) wrong.push(['labels', JSON.stringify(value(rand, 2)) ?? 'null']);
      text = objectJson([fuzz, ['wrong', objectJson(wrong)]]);
      break;
    }
    case 'message': {
      // a parsed message replaces the line: an object, an array or odd text that still names the id
      text = objectJson([fuzz, ['message', pick(rand, [JSON.stringify({ id, v: value(rand, 3) }), JSON.stringify([id, value(rand, 2)]), JSON.stringify(`${id} ${pick(rand, ODD_STRINGS)}`), objectJson([['id', JSON.stringify(id)], ['deep', deepJson(6_000, '[', ']')]])])]]);
      break;
    }
    case 'huge':
      // about 1 MiB: Docker splits it in 16 KiB pieces, Kafka's max_message_bytes refuses it
      text = objectJson([fuzz, ['big', JSON.stringify(pick(rand, ['x', 'é', '\u0001']).repeat(int(rand, 900_000, 1_100_000)))]]);
      break;
    case 'surrogates':
      text = objectJson([fuzz, ['s', '"\\ud800"'], ['t', '"a\\udc00b"'], ['key\ud800', '"\\udbff\\udbff"'], ['level', '"\\ud83d"']]);
      break;
    case 'many-keys': {
      const entries: Array<[string, string]> = [fuzz];
      for (let i = 0; i < 2_000; i += 1) entries.push([`f${i}.${i % 7}`, JSON.stringify(value(rand, 1)) ?? 'null']);
      text = objectJson(entries);
      break;
    }
    case 'not-object':
      text = pick(rand, [`[${JSON.stringify(id)},${JSON.stringify(value(rand, 3))}]`, JSON.stringify(`${id} just a string`), `${id} {"unclosed": `, `{"fuzz":"${id}",}`]);
      break;
    case 'garbage':
      text = `${id} ${pick(rand, ['\u001b]52;c;ZXZpbA==\u0007', '\u001b[31mred\u001b[0m', '\u0000logship-tail 1 5', 'a\rb', '\u009b6n', 'tab\there'])} ${pick(rand, ODD_STRINGS)}`;
      break;
    default: {
      const v = value(rand, int(rand, 2, 8));
      text = objectJson([fuzz, ['level', JSON.stringify(value(rand, 1)) ?? 'null'], ['v', JSON.stringify(v) ?? 'null'], [pick(rand, TOP_LEVEL_ODD_KEYS), JSON.stringify(value(rand, 2)) ?? 'null']]);
    }
  }
  let bytes = Buffer.from(text, 'utf8');
  // invalid UTF-8 too: Docker turns it into U+FFFD
  if (kind === 'garbage' && rand() < 0.5) bytes = Buffer.concat([bytes, Buffer.from([0x20, 0xff, 0xfe, 0xc3])]);
  return { id, hostile: true, bytes: stripNewlines(bytes), kind };
}

/** A line must stay one line: the container prints it with one newline at the end. */
function stripNewlines(bytes: Buffer): Buffer {
  for (let i = 0; i < bytes.length; i += 1) if (bytes[i] === 0x0a) bytes[i] = 0x20;
  return bytes;
}

/** The lines of one round: normal application lines with hostile ones between them. */
export function roundLines(seed: number, round: number, count: number): FuzzLine[] {
  const rand = random(seed * 7919 + round);
  const lines: FuzzLine[] = [];
  let huge = 0;
  for (let n = 0; n < count; n += 1) {
    if (rand() < 0.5) {
      let line = hostile(rand, `h-${round}-${n}`);
      // a few megabyte lines a round keep the round short
      while (line.kind === 'huge' && ++huge > 2) line = hostile(rand, `h-${round}-${n}`);
      lines.push(line);
    } else {
      const id = `n-${round}-${n}`;
      lines.push({ id, hostile: false, kind: 'normal', bytes: Buffer.from(JSON.stringify({ fuzz: id, level: 'info', msg: `request served path=/api/items/${n} status=200` })) });
    }
  }
  return lines;
}

/**
 * The id a record (as an output wrote it, or as a dead letter holds it) carries: its `fuzz` key
 * when it is an id, else the first id in its message's text.
 */
export function idOf(record: unknown): string | undefined {
  if (record === null || typeof record !== 'object') return undefined;
  const { fuzz, message } = record as { fuzz?: unknown; message?: unknown };
  if (typeof fuzz === 'string' && ID_PATTERN.test(fuzz)) return fuzz;
  const text = typeof message === 'string' ? message : JSON.stringify(message ?? null);
  return ID_PATTERN.exec(text)?.[1];
}
