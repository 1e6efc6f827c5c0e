#!/usr/bin/env node
// dist/bundle/logship.js is dist/cli/main.js bundled into one file: it starts in about half the time
import { main } from '../dist/bundle/logship.js';

main(process.argv.slice(2)).then(
  // exit explicitly: after a stop, requests still pending with the daemon must not keep us alive
  (code) => process.exit(code ?? 0),
  (err) => {
    process.stderr.write(`logship: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
