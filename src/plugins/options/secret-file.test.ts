import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileProblem, readSecretFile } from './secret-file.js';

const dir = mkdtempSync(join(tmpdir(), 'secret-file-'));
function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('readSecretFile', () => {
  it('returns the content without the trailing newline', () => {
    expect(readSecretFile(file('a', 's3cret\n'))).toEqual({ value: 's3cret' });
    expect(readSecretFile(file('b', 's3cret\r\n'))).toEqual({ value: 's3cret' });
    expect(readSecretFile(file('c', ' spaces kept '))).toEqual({ value: ' spaces kept ' });
  });

  it.each([
    ['a missing file', () => join(dir, 'missing'), /no such file/],
    ['a directory', () => dir, /is a directory/],
    ['an empty file', () => file('empty', '\n'), /is empty/],
    ['a file too large for a secret', () => file('big', 'x'.repeat(70_000)), /larger than 64 KiB/],
    ['an endless device', () => '/dev/zero', /larger than 64 KiB/],
  ])('refuses %s with a one-line reason', (_what, path, reason) => {
    const result = readSecretFile(path());
    expect('problem' in result && result.problem).toMatch(reason);
    if ('problem' in result) expect(result.problem).not.toContain('\n');
  });

  it('refuses an unreadable file, naming the fix', () => {
    // the tests run as root, which reads any file: the error the system gives another user
    const denied = Object.assign(new Error("EACCES: permission denied, open '/run/secrets/pw'"), { code: 'EACCES' });
    expect(fileProblem('/run/secrets/pw', denied)).toBe('cannot read /run/secrets/pw (permission denied) — make it readable by the user logship runs as');
  });
});
