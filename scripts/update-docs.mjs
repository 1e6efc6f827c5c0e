#!/usr/bin/env node
// Rewrites the options table of every plugin page in docs/plugins/ from the plugin registry
// (between the options markers), so the docs always list every option with its default.
import { readFileSync, writeFileSync } from 'node:fs';
import { allPlugins } from '../dist/registry.js';
import { optionsMarkdown, spliceOptions } from '../dist/cli/plugin-docs.js';

for (const plugin of allPlugins) {
  const page = readFileSync(plugin.docs, 'utf8');
  const updated = spliceOptions(page, optionsMarkdown(plugin));
  if (updated !== page) {
    writeFileSync(plugin.docs, updated);
    console.log(`updated ${plugin.docs}`);
  }
}
