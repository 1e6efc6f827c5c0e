#!/usr/bin/env node
// Bundles the compiled CLI (dist/cli/main.js) and what it loads at start-up into one file,
// dist/bundle/logship.cjs, which bin/logship.js runs. Why: Node resolves and reads hundreds of small
// module files at start-up (dockerode alone pulls in ssh2, gRPC and protobufjs), which took
// about 0.25 s of the 0.55 s before the first record; one file takes a fraction of that.
// The Kafka and Elasticsearch clients stay outside: they are loaded only when a pipeline uses
// them, and the Kafka fast path patches kafkajs's own modules, which must be the ones loaded.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * dockerode loads an SSH client (ssh2) for ssh:// Docker hosts, a gRPC stack for BuildKit sessions,
 * protobufjs for BuildKit progress and tar packing for build contexts: over 1 MB that V8 must parse
 * at every start (parsing was 40 % of loading). logship connects over unix:// and http(s):// only
 * and never builds images, so those modules are replaced by stubs that fail clearly if anything
 * ever calls them.
 */
const UNUSED_BY_LOGSHIP = ['ssh2', '@grpc/grpc-js', '@grpc/proto-loader', 'protobufjs', 'tar-fs', '@balena/dockerignore'];
const stubUnused = {
  name: 'stub-unused',
  setup(builder) {
    const filter = new RegExp(`^(${UNUSED_BY_LOGSHIP.map((name) => name.replace(/[/.]/g, '\\$&')).join('|')})$`);
    builder.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'stub-unused' }));
    // dockerode's BuildKit session support (gRPC, and node:crypto loaded at every start)
    builder.onResolve({ filter: /^\.\/session$/ }, (args) => (args.importer.includes('/dockerode/lib/') ? { path: 'dockerode/lib/session', namespace: 'stub-unused' } : undefined));
    builder.onLoad({ filter: /.*/, namespace: 'stub-unused' }, (args) => ({
      loader: 'js',
      contents: `const fail = () => { throw new Error(${JSON.stringify(`logship: ${args.path} is not part of this build (logship reaches Docker over unix:// or http(s):// and never builds images)`)}); };
module.exports = new Proxy({}, { get: (_, key) => (key === '__esModule' ? false : fail) });`,
    }));
  },
};

// chunks of earlier builds have other names: they would pile up
const outdir = join(root, 'dist/bundle');
const bundleFile = join(outdir, 'logship.cjs');
rmSync(outdir, { recursive: true, force: true });

await build({
  entryPoints: [join(root, 'dist/cli/main.js')],
  // two levels below the root, as dist/cli/ is: paths.ts finds pipelines/ and package.json relative to itself
  outfile: bundleFile,
  minifyWhitespace: true,
  minifySyntax: true,
  bundle: true,
  platform: 'node',
  // CommonJS, not ESM: Node 20 keeps V8's code cache for classic scripts only (src/cli/load-bundle.ts);
  // the Kafka and Elasticsearch outputs (imported dynamically) are in the file, evaluated on first use
  format: 'cjs',
  target: 'node20',
  logLevel: 'error',
  plugins: [stubUnused],
  external: ['kafkajs', 'kafkajs/*', '@elastic/elasticsearch', '@bokuweb/zstd-wasm', 'lz4js', 'snappyjs', 'cpu-features', '*.node'],
  // import.meta.url (paths.ts, the kafkajs fast path) is the bundle's own file URL
  define: { 'import.meta.url': '__logshipModuleUrl' },
  // "use strict" first: before anything else it makes the whole file strict, as the ES modules were
  banner: { js: '"use strict";\nconst __logshipModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
});

// the build's identity, which the code cache is named after (src/cli/load-bundle.ts)
const code = readFileSync(bundleFile, 'utf8');
writeFileSync(bundleFile, `// logship build ${createHash('sha256').update(code).digest('hex')}\n${code}`);
