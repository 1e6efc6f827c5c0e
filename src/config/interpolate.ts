import { isScalar, parse, visit, type Document, type Scalar } from 'yaml';

/** `${VAR}`, `${VAR:-default}`; `$${` stays a literal `${`. */
const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export interface InterpolationProblem {
  node: Scalar;
  message: string;
}

/**
 * Replaces environment references in every string scalar of the document, in place. Interpolating
 * after parsing keeps line numbers exact and keeps values from injecting YAML structure.
 */
export function interpolateEnv(doc: Document, env: NodeJS.ProcessEnv): InterpolationProblem[] {
  const problems: InterpolationProblem[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string' || !node.value.includes('$')) return;
      const original = node.value;
      const resolved = original.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
        if (match === '$${') return '${';
        const value = env[name ?? ''];
        if (value !== undefined && value !== '') return value;
        if (fallback !== undefined) return fallback;
        problems.push({ node, message: `environment variable ${name} is not set — set it, or give a default as \${${name}:-value}` });
        return match;
      });
      if (resolved === original) return;
      node.value = node.type === 'PLAIN' ? plainScalarValue(resolved) : resolved;
    },
  });
  return problems;
}

/** An unquoted `${PORT}` that resolves to `2020` should be the number 2020, as if written in place. */
function plainScalarValue(text: string): unknown {
  try {
    const value: unknown = parse(text);
    return value === null || ['string', 'number', 'boolean'].includes(typeof value) ? value : text;
  } catch {
    return text;
  }
}

export { isScalar };
