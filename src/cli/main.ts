import { readFileSync } from 'node:fs';
import { ConfigError, formatProblem } from '../config/config-error.js';
import { loadPipelineFile } from '../config/load.js';
import { LogshipError, errorMessage } from '../core/errors.js';
import { parseCli, USAGE, UsageError } from './args.js';
import { PACKAGE_JSON } from './paths.js';
import { pluginsCommand } from './plugins-command.js';
import { runCommand } from './run-command.js';
import { tapCommand } from './tap-command.js';
import { topCommand } from './top-command.js';
import { testCommand } from './test-command.js';

const print = (line: string): void => void process.stdout.write(`${line}\n`);
const printError = (line: string): void => void process.stderr.write(`${line}\n`);

/** Entry point; returns the exit code. Bad input never produces a stack trace. */
export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseCli(argv);
    switch (args.command) {
      case 'help':
        print(USAGE);
        return 0;
      case 'version':
        print((JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { version: string }).version);
        return 0;
      case 'plugins':
        return pluginsCommand(args.type, args.markdown, print);
      case 'validate': {
        let failed = false;
        for (const file of args.pipelines) {
          try {
            const p = loadPipelineFile(file);
            p.warnings.forEach((warning) => printError(`warning: ${formatProblem(warning)}`));
            print(`${file}: ok (${p.inputs.length} input(s), ${p.transforms.length} transform(s), ${p.outputs.length} output(s))`);
          } catch (err) {
            // whatever a file does, the files after it are still checked
            if (err instanceof ConfigError) err.problems.forEach((problem) => printError(formatProblem(problem)));
            else printError(`${file}: ${errorMessage(err).split('\n')[0] ?? ''}`);
            failed = true;
          }
        }
        return failed ? 2 : 0;
      }
      case 'top':
        return await topCommand(args.api, { once: args.once, intervalMs: args.intervalMs }, (text) => void process.stdout.write(text));
      case 'tap':
        return await tapCommand(args.api, args.match, args.tokenFile, (chunk) => void process.stdout.write(chunk));
      case 'test':
        return testCommand(args.files, print);
      case 'run':
        return await runCommand(args);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      printError(`logship: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof ConfigError) {
      err.problems.forEach((problem) => printError(formatProblem(problem)));
      return 2;
    }
    if (err instanceof LogshipError) {
      printError(`logship: ${err.message} [${err.code}]`);
      return err.code.startsWith('STATE') ? 2 : 1;
    }
    printError(`logship: ${errorMessage(err)}`);
    return 1;
  }
}
