import { redactUrls } from '../core/redact.js';
import { ErrorCode } from '../core/error-codes.js';

/** One problem in a pipeline file, located by file, line, column and key path. */
export interface ConfigProblem {
  file: string;
  line?: number;
  column?: number;
  key?: string;
  message: string;
}

/** One line; values quoted in messages may be URLs with credentials, which are masked. */
export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  return redactUrls(p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`);
}

/** Raised when a pipeline file cannot be used; carries every problem found, not just the first. */
export class ConfigError extends Error {
  readonly code = ErrorCode.CONFIG_INVALID;
  readonly retriable = false;

  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Renders a key path the way a user would write it: inputs[0].include.labels */
export function formatKeyPath(path: ReadonlyArray<string | number>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${part}` : part;
  }
  return out;
}
