import { parseArgs, type ParseArgsConfig } from 'node:util';
import { LOG_LEVELS, type LogLevel } from '../core/logger.js';

export class UsageError extends Error {}

export const USAGE = `Usage:
  logship run [PIPELINE] [--state-dir DIR] [--log-level LEVEL] [--watch]
                                                                 run a pipeline (default: the built-in pipelines/default.yaml);
                                                                 SIGHUP reloads it, --watch also reloads when the file changes
  logship validate PIPELINE...                                   check pipeline files, exit 2 on problems
  logship test PIPELINE_TEST...                                  run pipeline tests (records in → records expected per output)
  logship tap [--match GLOB] [--api HOST:PORT] [--token-file FILE]
                                                                 print live records of a running shipper as JSON lines
                                                                 (bearer token from FILE, else $LOGSHIP_API_TOKEN)
  logship top [--api HOST:PORT] [--once] [--interval SECONDS]    per-plugin rates, errors, queues, buffers and lag of a running shipper
  logship plugins [TYPE] [--markdown]                            list plugins, or one plugin's options
  logship --version

Log levels: ${LOG_LEVELS.join(', ')}`;

export interface RunArgs {
  command: 'run';
  pipeline: string | undefined;
  stateDir: string | undefined;
  logLevel: LogLevel;
  watch: boolean;
}

export type CliArgs =
  | RunArgs
  | { command: 'validate'; pipelines: string[] }
  | { command: 'test'; files: string[] }
  | { command: 'tap'; match: string; api: string; tokenFile: string | undefined }
  | { command: 'top'; api: string; once: boolean; intervalMs: number }
  | { command: 'plugins'; type: string | undefined; markdown: boolean }
  | { command: 'help' }
  | { command: 'version' };

export function parseCli(argv: string[]): CliArgs {
  const [command, ...rest] = argv;
  const parse = (options: NonNullable<ParseArgsConfig['options']>) => {
    try {
      return parseArgs({ args: rest, options, allowPositionals: true, strict: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  };
  switch (command) {
    case 'run': {
      const { values, positionals } = parse({ 'state-dir': { type: 'string' }, 'log-level': { type: 'string' }, watch: { type: 'boolean' } });
      if (positionals.length > 1) throw new UsageError('run takes one pipeline file');
      const level = (values['log-level'] as string | undefined) ?? process.env.LOGSHIP_LOG_LEVEL ?? 'info';
      if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level must be one of: ${LOG_LEVELS.join(', ')}`);
      return { command: 'run', pipeline: positionals[0], stateDir: values['state-dir'] as string | undefined, logLevel: level as LogLevel, watch: Boolean(values.watch) };
    }
    case 'validate': {
      const { positionals } = parse({});
      if (positionals.length === 0) throw new UsageError('validate needs at least one pipeline file');
      return { command: 'validate', pipelines: positionals };
    }
    case 'test': {
      const { positionals } = parse({});
      if (positionals.length === 0) throw new UsageError('test needs at least one pipeline test file');
      return { command: 'test', files: positionals };
    }
    case 'tap': {
      const { values, positionals } = parse({ match: { type: 'string' }, api: { type: 'string' }, 'token-file': { type: 'string' } });
      if (positionals.length) throw new UsageError('tap takes no positional arguments; use --match GLOB');
      return { command: 'tap', match: (values.match as string | undefined) ?? '**', api: (values.api as string | undefined) ?? '127.0.0.1:2020', tokenFile: values['token-file'] as string | undefined };
    }
    case 'top': {
      const { values, positionals } = parse({ api: { type: 'string' }, once: { type: 'boolean' }, interval: { type: 'string' } });
      if (positionals.length) throw new UsageError('top takes no positional arguments');
      const interval = Number((values.interval as string | undefined) ?? '1');
      if (!(interval >= 0.1 && interval <= 3600)) throw new UsageError('--interval must be a number of seconds between 0.1 and 3600');
      return { command: 'top', api: (values.api as string | undefined) ?? '127.0.0.1:2020', once: Boolean(values.once), intervalMs: Math.round(interval * 1000) };
    }
    case 'plugins': {
      const { values, positionals } = parse({ markdown: { type: 'boolean' } });
      return { command: 'plugins', type: positionals[0], markdown: Boolean(values.markdown) };
    }
    case '--version':
    case 'version':
      return { command: 'version' };
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { command: 'help' };
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}
