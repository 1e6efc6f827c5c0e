import { describeOptions, type OptionDoc } from '../config/zod-introspect.js';
import { inputCommonKeys, outputCommonKeys, transformCommonKeys } from '../config/pipeline-schema.js';
import { allPlugins } from '../plugins/registry.js';
import type { PluginDefinition } from '../plugins/types.js';
import { z } from 'zod';
import { optionsMarkdown } from './plugin-docs.js';

/** `logship plugins [TYPE] [--markdown]`: everything here comes from the registry. */
export function pluginsCommand(type: string | undefined, markdown: boolean, out: (line: string) => void): number {
  if (!type) {
    for (const p of allPlugins) out(`${p.kind.padEnd(9)} ${p.type.padEnd(14)} ${p.summary}`);
    out('');
    out("Run 'logship plugins TYPE' for a plugin's options.");
    return 0;
  }
  const plugin = allPlugins.find((p) => p.type === type);
  if (!plugin) {
    out(`logship: no plugin "${type}" (available: ${allPlugins.map((p) => p.type).join(', ')})`);
    return 2;
  }
  const options = pluginOptions(plugin);
  if (markdown) {
    out(optionsMarkdown(plugin));
    return 0;
  }
  out(`${plugin.type} (${plugin.kind}): ${plugin.summary}`);
  out(`Docs: ${plugin.docs}`);
  out('');
  for (const o of options) {
    out(`  ${o.key}  ${o.type}${o.required ? '  (required)' : o.default !== undefined ? `  default ${formatDefault(o.default)}` : ''}`);
    if (o.description) out(`      ${o.description}`);
  }
  return 0;
}

/** A plugin's options including the keys every plugin of its kind accepts. */
export function pluginOptions(plugin: PluginDefinition): OptionDoc[] {
  const common = plugin.kind === 'input' ? inputCommonKeys : plugin.kind === 'output' ? outputCommonKeys : transformCommonKeys;
  return describeOptions(z.object(common).merge(plugin.schema)).filter((o) => o.key !== 'type');
}

function formatDefault(value: unknown): string {
  if (value === undefined) return '';
  return `\`${JSON.stringify(value)}\``;
}
