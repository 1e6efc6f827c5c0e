import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ErrorCode, ErrorCodeFamily } from '../core/error-codes.js';
import { METRIC, METRICS } from '../core/metric-names.js';
import { catalogueDocs, metricsMarkdown } from './catalogue-docs.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('catalogue docs', () => {
  it.each(catalogueDocs((page) => readFileSync(join(root, page), 'utf8')).map((d) => [d.page, d] as const))('%s is up to date with its catalogue', (_page, doc) => {
    expect(doc.updated, 'run: npm run build && node scripts/update-docs.mjs').toBe(doc.text);
  });

  it('metrics sharing a table row are adjacent in the catalogue', () => {
    const rows = Object.values(METRICS).map((m) => ('row' in m ? m.row : undefined));
    const seen = new Set<unknown>();
    rows.forEach((row, i) => {
      if (!row || row === rows[i - 1]) return;
      expect(seen.has(row)).toBe(false);
      seen.add(row);
    });
    expect(metricsMarkdown().split('\n').length).toBeGreaterThan(2);
  });

  it('constants are named after what they stand for', () => {
    for (const [key, metric] of Object.entries(METRICS)) expect(METRIC[key as keyof typeof METRIC]).toBe(metric.name);
    for (const [key, metric] of Object.entries(METRICS)) expect(key).toBe(metric.name.toUpperCase());
    expect(new Set(Object.values(METRIC)).size).toBe(Object.keys(METRICS).length);
    for (const code of Object.keys(ERROR_CODES)) expect(ErrorCode[code as keyof typeof ErrorCode]).toBe(code);
    expect(ErrorCodeFamily.ES_HTTP.code(503)).toBe('ES_HTTP_503');
  });

  it('lists nothing the code does not use', () => {
    const src = join(root, 'src');
    const code = (readdirSync(src, { recursive: true, encoding: 'utf8' }) as string[])
      .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !/(error-codes|metric-names)\.ts$/.test(f))
      .map((f) => readFileSync(join(src, f), 'utf8'))
      .join('\n');
    const unused = [...Object.keys(METRICS).map((k) => `METRIC.${k}`), ...Object.keys(ERROR_CODES).map((k) => `ErrorCode.${k}`), ...Object.keys(ErrorCodeFamily).map((k) => `ErrorCodeFamily.${k}.`)].filter(
      (constant) => !new RegExp(`${constant.replace(/\./g, '\\.')}(?![A-Z_])`).test(code),
    );
    expect(unused).toEqual([]);
  });
});
