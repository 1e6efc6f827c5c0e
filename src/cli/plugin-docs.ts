import { z } from 'zod';
import { describeOptions, type OptionDoc } from '../config/zod-introspect.js';
import { inputCommonKeys, outputCommonKeys, transformCommonKeys } from '../plugins/common-options.js';
import type { PluginDefinition } from '../plugins/types.js';

export const OPTIONS_START = '<!-- options:start (generated from the registry by scripts/update-docs.mjs) -->';
export const OPTIONS_END = '<!-- options:end -->';

/** The options table of a plugin's documentation page. */
export function optionsMarkdown(plugin: PluginDefinition): string {
  const rows = ['| option | type | default | description |', '| --- | --- | --- | --- |'];
  for (const o of pluginOptions(plugin)) {
    const def = o.required ? '(required)' : o.default === undefined ? '' : `\`${JSON.stringify(o.default)}\``;
    rows.push(`| \`${o.key}\` | ${o.type.replace(/\|/g, '\\|')} | ${def} | ${o.description.replace(/\|/g, '\\|')} |`);
  }
  return rows.join('\n');
}

/** Replaces the generated block of a page (between the markers) with `table`. */
export function spliceOptions(page: string, table: string): string {
  return spliceBlock(page, OPTIONS_START, OPTIONS_END, table);
}

/** Replaces what is between the `startMarker` and `endMarker` lines of a page with `body`. */
export function spliceBlock(page: string, startMarker: string, endMarker: string, body: string): string {
  const start = page.indexOf(startMarker);
  const end = page.indexOf(endMarker);
  if (start < 0 || end < start) throw new Error(`page has no ${startMarker} … ${endMarker} block`);
  return `${page.slice(0, start + startMarker.length)}\n${body}\n${page.slice(end)}`;
}

/** A plugin's options including the keys every plugin of its kind accepts. */
export function pluginOptions(plugin: PluginDefinition): OptionDoc[] {
  const common = plugin.kind === 'input' ? inputCommonKeys : plugin.kind === 'output' ? outputCommonKeys : transformCommonKeys;
  return describeOptions(z.object(common).merge(plugin.schema)).filter((o) => o.key !== 'type');
}
