import { dirname, relative, resolve, sep } from 'node:path';

/** Folders whose sub-folders are plugins, one a folder (src/inputs/docker_logs, src/outputs/kafka, …). */
const PLUGIN_ROOTS = ['src/inputs', 'src/outputs', 'src/transforms'];

/**
 * A plugin folder imports its own files, shared kits (folders named in `kits`, files at a root
 * such as src/transforms/fields.ts) and the rest of src, never another plugin's folder; a kit
 * imports no plugin folder either. What two plugins share belongs in a kit or the plugin API.
 */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'forbids imports from one plugin folder into another' },
    schema: [{ type: 'object', properties: { kits: { type: 'array', items: { type: 'string' } } }, additionalProperties: false }],
    messages: {
      crossPlugin: "{{from}} must not import from {{to}}, another plugin's folder: move what both need into a shared kit (e.g. src/inputs/docker/) or the plugin API (src/plugins/)",
    },
  },
  create(context) {
    const kits = new Set(context.options[0]?.kits ?? []);
    const file = context.filename;
    const from = folderOf(relative(context.cwd, file));
    if (!from) return {};
    const check = (node) => {
      const source = node.source?.value;
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const to = folderOf(relative(context.cwd, resolve(dirname(file), source)));
      if (to && to !== from && !kits.has(to)) context.report({ node: node.source, messageId: 'crossPlugin', data: { from, to } });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};

/** The plugin or kit folder a path lies in, or undefined outside one. */
function folderOf(path) {
  const parts = path.split(sep);
  const root = parts.slice(0, 2).join('/');
  return parts.length > 3 && PLUGIN_ROOTS.includes(root) ? `${root}/${parts[2]}` : undefined;
}
