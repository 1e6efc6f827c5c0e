import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isPair, isScalar, visit, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { ConfigError, formatKeyPath, type ConfigProblem } from './config-error.js';
import { interpolateEnv } from './interpolate.js';
import { pipelineSchema, type PipelineSettings } from './pipeline-schema.js';
import { batchingAliases, inputCommonKeys, outputCommonKeys, outputCommon, transformCommonKeys, type OutputCommon } from '../plugins/common-options.js';
import { closest } from './suggest.js';
import { keysAt } from './zod-introspect.js';
import { findPlugin, pluginTypes } from '../registry.js';
import type { InputDefinition, OutputDefinition, TransformDefinition } from '../plugins/types.js';

export interface ConfiguredInput {
  id: string;
  definition: InputDefinition;
  config: Record<string, unknown>;
}

export interface ConfiguredTransform {
  id: string;
  definition: TransformDefinition;
  config: Record<string, unknown>;
  match: string;
}

export interface ConfiguredOutput {
  id: string;
  definition: OutputDefinition;
  config: Record<string, unknown>;
  match: string;
  /** The keys every output has (buffer, dead letters, batching, match), typed. */
  common: OutputCommon;
}

export interface Pipeline {
  file: string;
  settings: PipelineSettings;
  inputs: ConfiguredInput[];
  /** In the order written: each sees what the previous one passed on. */
  transforms: ConfiguredTransform[];
  outputs: ConfiguredOutput[];
  /** What is accepted but should change (a deprecated option name), one line each; the commands print them. */
  warnings: ConfigProblem[];
}

type Path = Array<string | number>;

/**
 * Pipeline files are a few KiB. Parsing YAML costs about 40 times the file's size in memory (a
 * 50 MB file took 17 s and 2 GB), so a larger file is refused before it is read.
 */
export const MAX_PIPELINE_BYTES = 1024 * 1024;

/** Each alias may expand to a whole subtree: a few lines of aliases of aliases can stand for billions of nodes. */
export const MAX_YAML_ALIASES = 100;

const MAX_SYNTAX_PROBLEMS = 20;

/** Reads, interpolates and validates a pipeline file; throws ConfigError listing every problem. */
export function loadPipelineFile(file: string, env: NodeJS.ProcessEnv = process.env): Pipeline {
  return parsePipeline(readPipelineText(file), file, env);
}

function readPipelineText(file: string): string {
  const tooLarge = new ConfigError([{ file, message: `is larger than 1 MiB; a pipeline file may be at most 1 MiB — is it the right file?` }]);
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    throw new ConfigError([{ file, message: readProblem(err) }]);
  }
  try {
    if (fstatSync(fd).size > MAX_PIPELINE_BYTES) throw tooLarge;
    // bounded reads also for what has no size: a pipe, /dev/stdin, a growing file
    const buffer = Buffer.alloc(MAX_PIPELINE_BYTES + 1);
    let length = 0;
    for (let n = -1; n !== 0 && length < buffer.length; length += n) n = readSync(fd, buffer, length, buffer.length - length, null);
    if (length > MAX_PIPELINE_BYTES) throw tooLarge;
    return buffer.toString('utf8', 0, length);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError([{ file, message: readProblem(err) }]);
  } finally {
    closeSync(fd);
  }
}

function readProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file — check the path';
  if (code === 'EISDIR') return 'is a directory — give the pipeline file';
  return `cannot read it (${firstLine((err as Error).message)})`;
}

/**
 * Validates a pipeline file's text; throws ConfigError listing every problem. Whatever else goes
 * wrong on hostile input (an alias bomb, nesting deeper than the stack) is a ConfigError too, so
 * that it is reported as one line naming the file, and `validate` goes on with the next file.
 */
export function parsePipeline(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Pipeline {
  try {
    return parseValidText(text, file, env);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const message = firstLine(err instanceof Error ? err.message : String(err));
    if (/alias/i.test(message)) {
      throw new ConfigError([{ file, message: `too many YAML aliases (more than ${MAX_YAML_ALIASES} expansions) — write the repeated parts out, or use fewer aliases` }]);
    }
    if (err instanceof RangeError) throw new ConfigError([{ file, message: 'nested too deeply to be read — a pipeline file needs only a few levels' }]);
    throw new ConfigError([{ file, message: `cannot be read as a pipeline file: ${message}` }]);
  }
}

function parseValidText(text: string, file: string, env: NodeJS.ProcessEnv): Pipeline {
  const lines = new LineCounter();
  // the library's own uniqueKeys check is quadratic in a mapping's size (a 1 MiB file took 37 s)
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const at = (offset: number | undefined): Pick<ConfigProblem, 'line' | 'column'> => {
    if (offset === undefined) return {};
    const pos = lines.linePos(offset);
    return { line: pos.line, column: pos.col };
  };

  const syntax = [
    ...doc.errors.map((e) => ({ file, ...at(e.pos[0]), message: `YAML syntax: ${firstLine(e.message)}` })),
    ...duplicateKeyOffsets(doc).map((offset) => ({ file, ...at(offset), message: 'YAML syntax: Map keys must be unique' })),
  ];
  // one mistake (an unclosed bracket) can make hundreds: the first ones locate it
  if (syntax.length > MAX_SYNTAX_PROBLEMS) syntax.splice(MAX_SYNTAX_PROBLEMS, Infinity, { file, message: `YAML syntax: ${syntax.length - MAX_SYNTAX_PROBLEMS} more problems` });
  if (syntax.length) throw new ConfigError(syntax);
  if (!isMap(doc.contents)) {
    throw new ConfigError([{ file, ...at(doc.contents?.range?.[0] ?? 0), message: 'a pipeline file must be a mapping with "inputs" and "outputs" lists' }]);
  }

  const problems: ConfigProblem[] = interpolateEnv(doc, env).map((p) => ({ file, ...at(p.node.range?.[0]), message: p.message }));
  const raw: unknown = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  const locate = (path: Path, key?: string): Pick<ConfigProblem, 'line' | 'column'> => at(offsetOf(doc, path, key));
  const report = (issues: z.ZodIssue[], schema: z.ZodTypeAny, base: Path): void => {
    for (const issue of issues) problems.push(...describeIssue(issue, schema, base, file, locate));
  };

  const top = pipelineSchema.safeParse(raw);
  if (!top.success) report(top.error.issues, pipelineSchema, []);

  const inputs: ConfiguredInput[] = [];
  const transforms: ConfiguredTransform[] = [];
  const outputs: ConfiguredOutput[] = [];
  const ids = new Map<string, Path>();
  const warnings: ConfigProblem[] = [];
  for (const kind of ['input', 'transform', 'output'] as const) {
    const entries = (raw as Record<string, unknown>)[`${kind}s`];
    if (!Array.isArray(entries)) continue;
    entries.forEach((entry: unknown, index) => {
      const base: Path = [`${kind}s`, index];
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return;
      const type = (entry as Record<string, unknown>).type;
      if (typeof type !== 'string') {
        problems.push({ file, ...locate(base), key: formatKeyPath([...base, 'type']), message: `missing plugin type — add e.g. "type: ${pluginTypes(kind)[0] ?? ''}" (see 'logship plugins')` });
        return;
      }
      const definition = findPlugin(kind, type);
      if (!definition) {
        const hint = closest(type, pluginTypes(kind));
        problems.push({
          file, ...locate([...base, 'type']), key: formatKeyPath([...base, 'type']),
          message: `unknown ${kind} type "${type}"${hint ? `; did you mean "${hint}"?` : ''} (available: ${pluginTypes(kind).join(', ')})`,
        });
        return;
      }
      const common = kind === 'input' ? inputCommonKeys : kind === 'output' ? outputCommonKeys : transformCommonKeys;
      const schema = z.object(common).merge(definition.schema).strict();
      if (definition.kind === 'output') entry = renameAliases(entry as Record<string, unknown>, batchingAliases(definition.schema), base, file, locate, problems, warnings);
      const parsed = schema.safeParse(entry);
      if (!parsed.success) {
        report(parsed.error.issues, schema, base);
        return;
      }
      const config = parsed.data as Record<string, unknown>;
      for (const { key, message } of definition.check?.(config) ?? []) {
        problems.push({ file, ...locate([...base, key]), key: formatKeyPath([...base, key]), message });
      }
      const id = typeof config.id === 'string' ? config.id : `${type}_${index}`;
      const previous = ids.get(id);
      if (previous) {
        problems.push({ file, ...locate(base), key: formatKeyPath([...base, 'id']), message: `id "${id}" is already used by ${formatKeyPath(previous)} — give each plugin a unique id` });
      }
      ids.set(id, base);
      if (definition.kind === 'input') inputs.push({ id, definition, config });
      else if (definition.kind === 'transform') transforms.push({ id, definition, config, match: String(config.match) });
      else outputs.push({ id, definition, config, match: String(config.match), common: outputCommon(definition, config) });
    });
  }

  if (problems.length || !top.success) throw new ConfigError(unique(problems));
  const { inputs: _i, transforms: _t, outputs: _o, ...settings } = top.data;
  return { file, settings, inputs, transforms, outputs, warnings };
}

/** An entry with its deprecated option names written the new way: a warning for each, a problem when both are given. */
function renameAliases(
  entry: Record<string, unknown>, aliases: Array<[string, string]>, base: Path, file: string,
  locate: (path: Path, key?: string) => Pick<ConfigProblem, 'line' | 'column'>, problems: ConfigProblem[], warnings: ConfigProblem[],
): Record<string, unknown> {
  const renamed = { ...entry };
  for (const [old, key] of aliases) {
    if (!(old in renamed)) continue;
    const where = { file, ...locate(base, old), key: formatKeyPath([...base, old]) };
    if (key in renamed) problems.push({ ...where, message: `give ${key} or its old name ${old}, not both` });
    else warnings.push({ ...where, message: `deprecated name: write ${key} (${old} is still accepted)` });
    renamed[key] ??= renamed[old];
    delete renamed[old];
  }
  return renamed;
}

function describeIssue(
  issue: z.ZodIssue, schema: z.ZodTypeAny, base: Path, file: string,
  locate: (path: Path, key?: string) => Pick<ConfigProblem, 'line' | 'column'>,
): ConfigProblem[] {
  const path = [...base, ...issue.path];
  if (issue.code === 'unrecognized_keys') {
    const valid = keysAt(schema, issue.path);
    return issue.keys.map((key) => {
      const hint = closest(key, valid);
      return {
        file, ...locate(path, key), key: formatKeyPath([...path, key]),
        message: `unknown key${hint ? `; did you mean "${hint}"?` : ''} (valid keys: ${valid.join(', ')})`,
      };
    });
  }
  return [{ file, ...locate(path), key: formatKeyPath(path), message: issueMessage(issue) }];
}

function issueMessage(issue: z.ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.received === 'undefined') return `is required (expected ${issue.expected})`;
      return `expected ${issue.expected}, got ${issue.received}${issue.expected === 'array' ? ' — write a list, e.g. ["value"]' : ''}`;
    case 'invalid_enum_value':
      return `"${String(issue.received)}" is not allowed — use one of: ${issue.options.map((o) => `"${String(o)}"`).join(', ')}`;
    case 'invalid_literal':
      return `must be ${JSON.stringify(issue.expected)}`;
    case 'too_small':
      return issue.type === 'array' ? issue.message.replace(/^Array/, 'list') : issue.message;
    case 'invalid_union': {
      const inner = issue.unionErrors.flatMap((e) => e.issues).find((i) => i.code === 'custom');
      return inner ? inner.message : 'has the wrong type';
    }
    default:
      return issue.message;
  }
}

/** Offset of the YAML node at a path (the key node when `key` is given); the nearest existing parent otherwise. */
function offsetOf(doc: Document, path: Path, key?: string): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : (doc.getIn(path.slice(0, depth), true) as Node | undefined);
    if (!node) continue;
    if (key !== undefined && depth === path.length && isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
      if (pair && isScalar(pair.key)) return pair.key.range?.[0];
    }
    if (depth < path.length && isMap(node)) {
      // a missing key: point at the mapping that should hold it
      return node.range?.[0];
    }
    return (node as Node).range?.[0];
  }
  return undefined;
}

/** Where a mapping repeats one of its scalar keys: one set per mapping, linear in the file. */
function duplicateKeyOffsets(doc: Document): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        if (seen.has(pair.key.value)) offsets.push(pair.key.range?.[0] ?? 0);
        seen.add(pair.key.value);
      }
    },
  });
  return offsets;
}

/** Two checks of one option may say the same thing (a whole number, and in range). */
function unique(problems: ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.key}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
