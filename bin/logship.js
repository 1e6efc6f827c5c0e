#!/usr/bin/env node
// dist/bundle/logship.cjs is dist/cli/main.js bundled into one file, loaded with V8's code cache:
// it starts in a fraction of the time the separate modules took (scripts/bundle.mjs, src/cli/load-bundle.ts)
import { fileURLToPath } from 'node:url';
import { loadBundle } from '../dist/cli/load-bundle.js';

const { exports: bundle } = loadBundle(fileURLToPath(new URL('../dist/bundle/logship.cjs', import.meta.url)), {
  // in the state folder when it is given (a volume in the image and the DaemonSet: kept across
  // container re-creation, and writable under a read-only root filesystem); else beside the bundle
  cacheDir: process.env.LOGSHIP_STATE_DIR,
  // only a shipper writes it: what its start-up compiled is what the cache should hold
  writeCache: process.argv[2] === 'run',
});

bundle.main(process.argv.slice(2)).then(
  // exit explicitly: after a stop, requests still pending with the daemon must not keep us alive
  (code) => process.exit(code ?? 0),
  (err) => {
    process.stderr.write(`logship: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
