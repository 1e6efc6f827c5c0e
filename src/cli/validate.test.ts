import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'validate-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const good = 'inputs:\n  - type: generator\noutputs:\n  - type: stdout\n';
const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
for (let i = 1; i < 9; i++) levels.push(`l${i}: &l${i} [${Array(9).fill(i === 1 ? '*a' : `*l${i - 1}`).join(',')}]`);
const bomb = `${levels.join('\n')}\n${good}`;

async function validate(files: string[], command = 'validate'): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const code = await main([command, ...files]);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

afterEach(() => vi.restoreAllMocks());

describe('logship validate and run', () => {
  it('reports an alias bomb in one line naming the file, exit 2, and checks the files after it', async () => {
    const bad = file('bomb.yaml', bomb);
    const ok = file('ok.yaml', good);
    const { code, stdout, stderr } = await validate([bad, ok]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^${bad}: too many YAML aliases`))]);
    expect(stdout).toContain(`${ok}: ok`);
  });

  it('reports a file over 1 MiB in one line, exit 2, and goes on', async () => {
    const big = file('big.yaml', `${good}#${'x'.repeat(2 * 1024 * 1024)}\n`);
    const ok = file('ok2.yaml', good);
    const { code, stdout, stderr } = await validate([big, ok]);
    expect(code).toBe(2);
    expect(stderr).toBe(`${big}: is larger than 1 MiB; a pipeline file may be at most 1 MiB — is it the right file?\n`);
    expect(stdout).toContain(`${ok}: ok`);
  });

  it('reports a missing secret file with file, line, column and key, exit 2', async () => {
    const p = file('es.yaml', 'inputs:\n  - type: generator\noutputs:\n  - type: elasticsearch\n    hosts: ["http://es:9200"]\n    auth: { username: elastic, password_file: /nonexistent/pw }\n');
    const { code, stderr } = await validate([p]);
    expect(code).toBe(2);
    expect(stderr).toBe(`${p}:6:47: outputs[0].auth.password_file: /nonexistent/pw: no such file — check the path (and that the secret is mounted)\n`);
    expect(await validate([p], 'run')).toEqual({ code: 2, stdout: '', stderr });
  });

  it('run refuses an unbounded option in one line, exit 2, no stack trace', async () => {
    const p = file('huge.yaml', 'inputs:\n  - type: generator\n    message_bytes: 99999999999999999999999\noutputs:\n  - type: stdout\n');
    const { code, stderr } = await validate([p], 'run');
    expect(code).toBe(2);
    expect(stderr).toBe(`${p}:3:20: inputs[0].message_bytes: must be between 1 B and 64 MiB (got 1e+23 bytes)\n`);
  });
});
