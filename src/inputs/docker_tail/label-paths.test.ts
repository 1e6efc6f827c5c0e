import { describe, expect, it } from 'vitest';
import { labelPaths } from './label-paths.js';

describe('labelPaths', () => {
  it('takes absolute paths of plain characters, trimmed, once each, not those configured', () => {
    expect(labelPaths(' /var/log/a.log,/var/log/b-2026_01.log ,, /var/log/a.log,/etc/app.log', ['/etc/app.log'], 8)).toEqual({
      paths: ['/var/log/a.log', '/var/log/b-2026_01.log'],
      rejected: [],
      skipped: [],
    });
    expect(labelPaths(undefined, [], 8)).toEqual({ paths: [], rejected: [], skipped: [] });
  });

  it.each(['var/log/a.log', '/var/log/*.log', '/var/log/a?.log', '/var/log/[ab].log', '/var/log/$(id).log', '/var/log/`id`', "/var/log/a'b", '/var/log/a b.log', '/var/log/a\nb', '/var/log/a\\b', '/var/log/a;b', '~/a.log'])(
    'refuses %j',
    (path) => {
      expect(labelPaths(path, [], 8)).toEqual({ paths: [], rejected: [path.trim()], skipped: [] });
    },
  );

  it('keeps the first max valid paths and names the rest', () => {
    const paths = Array.from({ length: 5 }, (_, i) => `/var/log/p${i}.log`);
    expect(labelPaths(['/x/*', ...paths].join(','), [], 3)).toEqual({ paths: paths.slice(0, 3), rejected: ['/x/*'], skipped: paths.slice(3) });
  });
});
