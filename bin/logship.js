#!/usr/bin/env node
import { main } from '../dist/cli/main.js';

main(process.argv.slice(2)).then(
  // exit explicitly: after a stop, requests still pending with the daemon must not keep us alive
  (code) => process.exit(code ?? 0),
  (err) => {
    process.stderr.write(`logship: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
