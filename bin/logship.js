#!/usr/bin/env node
// dist/bundle/logship.cjs is dist/cli/main.js bundled into one file, loaded with V8's code cache:
// it starts in a fraction of the time the separate modules took (scripts/bundle.mjs, src/cli/load-bundle.ts)
import { fileURLToPath } from 'node:url';
import { loadBundle } from '../dist/cli/load-bundle.js';

const { exports: bundle } = loadBundle(fileURLToPath(new URL('../dist/bundle/logship.cjs', import.meta.url)));

bundle.main(process.argv.slice(2)).then(
  // exit explicitly: after a stop, requests still pending with the daemon must not keep us alive
  (code) => process.exit(code ?? 0),
  (err) => {
    process.stderr.write(`logship: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
