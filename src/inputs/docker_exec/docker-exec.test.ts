import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { displayCommand, execCommand, execNotice } from './exec-script.js';
import { firstRunAt, nextRunAt } from './schedule.js';

describe('interval schedule', () => {
  it.each([
    // started, ended, interval → next start, skipped slots
    [0, 2_000, 10_000, { at: 10_000, skipped: 0 }],
    [0, 10_000, 10_000, { at: 10_000, skipped: 0 }],
    [0, 12_000, 10_000, { at: 20_000, skipped: 1 }],
    [0, 35_000, 10_000, { at: 40_000, skipped: 3 }],
    [5_000, 5_000, 60_000, { at: 65_000, skipped: 0 }],
  ])('run %i–%i every %i → %j', (start, end, interval, expected) => {
    expect(nextRunAt(start, end, interval)).toEqual(expected);
  });

  it.each([
    [undefined, 100_000, 60_000, 100_000],
    [90_000, 100_000, 60_000, 150_000],
    [10_000, 100_000, 60_000, 100_000],
    [200_000, 100_000, 60_000, 100_000],
  ])('after a restart, last start %s, now %i, every %i → %i', (last, now, interval, expected) => {
    expect(firstRunAt(last, now, interval)).toBe(expected);
  });
});

describe('exec wrapper', () => {
  it.each([
    ['\u0000logship-exec started', { kind: 'started' }],
    ['\u0000logship-exec missing redis-cli', { kind: 'missing', tool: 'redis-cli' }],
    ['logship-exec started', undefined],
    ['OCI runtime exec failed: exec: "sh": executable file not found in $PATH', undefined],
  ])('%j', (line, expected) => {
    expect(execNotice(line)).toEqual(expected);
  });

  it('shows the command as a shell would need it written', () => {
    expect(displayCommand(['sh', '-c', "echo 'hi' | wc -l"])).toBe(`sh -c 'echo '\\''hi'\\'' | wc -l'`);
    expect(displayCommand(['df', '-k', '/var/log'])).toBe('df -k /var/log');
  });

  /** Runs the wrapper with this machine's sh, as Docker would run it in a container. */
  function runWrapper(argv: string[], closeStdinAfterMs?: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const [shell, ...args] = execCommand(argv);
    const child = spawn(shell as string, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    if (closeStdinAfterMs !== undefined) setTimeout(() => child.stdin.end(), closeStdinAfterMs);
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
  }

  it('passes the exit code and both streams through, after its marker', async () => {
    const result = await runWrapper(['sh', '-c', 'echo out; echo err >&2; exit 7']);
    expect(result).toEqual({ code: 7, stdout: '\u0000logship-exec started\nout\n', stderr: 'err\n' });
  });

  it('reports a command that is not installed instead of running it', async () => {
    const result = await runWrapper(['no-such-command-here']);
    expect(result).toEqual({ code: 127, stdout: '\u0000logship-exec missing no-such-command-here\n', stderr: '' });
  });

  it('stops the command, even one that ignores TERM, when its stdin closes', async () => {
    const started = Date.now();
    const result = await runWrapper(['sh', '-c', "trap '' TERM; while :; do sleep 0.1; done"], 300);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.code).not.toBe(0);
  });
});
