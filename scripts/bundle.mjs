#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js) and what it loads at start-up into one file,
// dist/bundle/logship.js, which bin/logship.js runs. Why: Node resolves and reads hundreds of small
// module files at start-up (dockerode alone pulls in ssh2, gRPC and protobufjs), which took
// about 0.25 s of the 0.55 s before the first record; one file takes a fraction of that.
// The Kafka and Elasticsearch clients stay outside: they are loaded only when a pipeline uses
// them, and the Kafka fast path patches kafkajs's own modules, which must be the ones loaded.
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [join(root, 'dist/cli/main.js')],
  // two levels below the root, as dist/cli/ is: paths.ts finds pipelines/ and package.json relative to itself
  outdir: join(root, 'dist/bundle'),
  entryNames: 'logship',
  // the Kafka and Elasticsearch outputs (imported dynamically) become chunks of their own, loaded on first use
  splitting: true,
  minifyWhitespace: true,
  minifySyntax: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'error',
  external: ['kafkajs', 'kafkajs/*', '@elastic/elasticsearch', '@bokuweb/zstd-wasm', 'lz4js', 'snappyjs', 'cpu-features', '*.node'],
  // CommonJS dependencies (dockerode, ssh2) expect these in an ES module bundle
  banner: {
    js: [
      "import { createRequire as __logshipCreateRequire } from 'node:module';",
      "import { fileURLToPath as __logshipFileURLToPath } from 'node:url';",
      "import { dirname as __logshipDirname } from 'node:path';",
      'const require = __logshipCreateRequire(import.meta.url);',
      'const __filename = __logshipFileURLToPath(import.meta.url);',
      'const __dirname = __logshipDirname(__filename);',
    ].join('\n'),
  },
});
