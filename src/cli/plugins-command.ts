import { allPlugins } from '../registry.js';
import { optionsMarkdown, pluginOptions } from './plugin-docs.js';

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

function formatDefault(value: unknown): string {
  if (value === undefined) return '';
  return `\`${JSON.stringify(value)}\``;
}
