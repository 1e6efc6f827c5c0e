#!/usr/bin/env node
// Rewrites the generated blocks of the docs from the built code (run `npm run build` first):
// the options table of every plugin page in docs/plugins/ from the plugin registry, the metrics
// table of docs/api.md from src/core/metric-names.ts and the code table of docs/errors.md from
// src/core/error-codes.ts (between their markers). A unit test fails when they drift.
import { readFileSync, writeFileSync } from 'node:fs';
import { allPlugins } from '../dist/registry.js';
import { optionsMarkdown, spliceOptions } from '../dist/cli/plugin-docs.js';
import { catalogueDocs } from '../dist/cli/catalogue-docs.js';

for (const plugin of allPlugins) {
  const page = readFileSync(plugin.docs, 'utf8');
  const updated = spliceOptions(page, optionsMarkdown(plugin));
  if (updated !== page) {
    writeFileSync(plugin.docs, updated);
    console.log(`updated ${plugin.docs}`);
  }
}

for (const { page, text, updated } of catalogueDocs((path) => readFileSync(path, 'utf8'))) {
  if (updated !== text) {
    writeFileSync(page, updated);
    console.log(`updated ${page}`);
  }
}
