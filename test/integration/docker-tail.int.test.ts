import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { docker, removeContainersWithLabel, runContainer, uniqueLabel } from '../helpers/docker-cli.js';
import { messageCounts, readRecords, sequenceProblems, waitForLineCount, waitForRecords } from '../helpers/output-file.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

const label = uniqueLabel();
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
afterAll(() => removeContainersWithLabel(label));

function tailPipeline(out: string, paths = '["/var/log/app.log"]'): string {
  return `inputs:\n  - type: docker_tail\n    include:\n      labels: ["${label}"]\n    paths: ${paths}\noutputs:\n  - type: file\n    path: ${out}\n`;
}

/** The tail wrappers in a container, one per followed file (its background follower, a forked copy, not counted). */
async function tailWrappers(id: string): Promise<string[]> {
  const rows = (await docker('top', id, '-o', 'pid,ppid,args')).split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  const wrappers = rows.filter((r) => r[2] === 'sh' && r.join(' ').includes('logship-tail'));
  const pids = new Set(wrappers.map((r) => r[0]));
  return wrappers.filter((r) => !pids.has(r[1] as string)).map((r) => r.join(' '));
}

const settle = (ms = 1500) => new Promise((r) => setTimeout(r, ms));

/** Waits until the output holds N lines, lets late duplicates arrive, then expects "file 1".."file N" once each. */
async function expectEachFileLineOnce(out: string, id: string, n: number, timeoutMs = 30_000, quietMs = 1500): Promise<void> {
  await waitForLineCount(out, n, timeoutMs);
  await settle(quietMs);
  const records = readRecords(out);
  expect(sequenceProblems(messageCounts(records, id, 'stdout'), 'file', n)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  expect(records).toHaveLength(n);
}

/** Shell that appends "file FROM".."file TO" to /var/log/app.log (or with `>&5`, to descriptor 5). */
function fileLines(from: number, to: number, target = '>> /var/log/app.log'): string {
  return `i=${from}; while [ $i -le ${to} ]; do echo "file $i" ${target}; i=$((i+1)); done`;
}

/** A running shipper (state in `stateDir`) that has shipped "file 1".."file N" from a new container's /var/log/app.log. */
async function following(lines: number): Promise<{ out: string; id: string; stateDir: string; shipper: Shipper }> {
  const dir = tempDir();
  const out = join(dir, 'out.jsonl');
  const stateDir = join(dir, 'state');
  const shipper = Shipper.run(tailPipeline(out), stateDir);
  cleanups.push(() => shipper.stop());
  await shipper.ready();
  const id = await runContainer({ label, script: `${fileLines(1, lines)}; sleep 3600` });
  cleanups.push(() => docker('rm', '-f', id));
  await waitForLineCount(out, lines, 30_000);
  return { out, id, stateDir, shipper };
}

describe('docker_tail against the real Docker engine', () => {
  it('the acceptance pipeline: main lines as source main, file lines as source exec with log.file.path', async () => {
    rmSync('/tmp/out.jsonl', { force: true });
    const file = join(tempDir(), 'that.yaml');
    writeFileSync(file, `inputs:
  - type: docker_logs
    include: { labels: ["app=demo"] }
  - type: docker_tail
    include: { labels: ["app=demo"] }
    paths: ["/var/log/app.log"]
outputs:
  - type: file
    match: "docker.**"
    path: /tmp/out.jsonl
`);
    await removeContainersWithLabel('app=demo');
    const shipper = new Shipper(['run', file, '--state-dir', join(tempDir(), 'state')]);
    cleanups.push(() => removeContainersWithLabel('app=demo'));
    cleanups.push(() => shipper.stop());
    await shipper.ready();
    const id = await runContainer({ label: 'app=demo', script: 'i=1; while [ $i -le 500 ]; do echo "main $i"; echo "file $i" >> /var/log/app.log; i=$((i+1)); done; sleep 3600' });
    const records = await waitForRecords('/tmp/out.jsonl', (r) => r.length >= 1000, 30_000);
    const main = records.filter((r) => r.message.startsWith('main '));
    const files = records.filter((r) => r.message.startsWith('file '));
    expect(main.every((r) => r.source === 'main' && r.tag.startsWith('docker.main.'))).toBe(true);
    expect(files.every((r) => r.source === 'exec' && r.tag.startsWith('docker.exec.') && r.stream === 'stdout')).toBe(true);
    expect(files.every((r) => (r.log as { file?: { path?: string } }).file?.path === '/var/log/app.log')).toBe(true);
    expect(sequenceProblems(messageCounts(records, id, 'stdout'), 'main', 500)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(sequenceProblems(messageCounts(records, id, 'stdout'), 'file', 500)).toEqual({ missing: [], duplicated: [], unexpected: [] });
  });

  it('50,000 lines: file created after the start, rotated by mv in the middle, kill -9 three times — each line once', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const stateDir = join(dir, 'state');
    let shipper = Shipper.run(tailPipeline(out), stateDir);
    await shipper.ready();
    const script = 'sleep 1; i=1; while [ $i -le 50000 ]; do echo "file $i" >> /var/log/app.log; [ $i -eq 25000 ] && mv /var/log/app.log /var/log/app.log.1; [ $((i % 500)) -eq 0 ] && usleep 100000; i=$((i+1)); done; sleep 3600';
    const id = await runContainer({ label, script });
    cleanups.push(() => docker('rm', '-f', id));
    for (const target of [8_000, 18_000, 36_000]) {
      await waitForLineCount(out, target, 60_000);
      shipper.kill('SIGKILL');
      await shipper.exit();
      shipper = Shipper.run(tailPipeline(out), stateDir);
      await shipper.ready();
    }
    cleanups.push(() => shipper.stop());
    await expectEachFileLineOnce(out, id, 50_000, 90_000, 2500);
  });

  it('a file rotated away while the shipper was down is finished from its checkpoint, then the new one is read', async () => {
    const { out, id, stateDir, shipper: first } = await following(1000);
    await settle();
    first.kill('SIGKILL');
    await first.exit();
    // while nobody watches: more lines, rotation, lines in the new file
    await docker('exec', id, 'sh', '-c', `${fileLines(1001, 1500)}; mv /var/log/app.log /var/log/app.log.1; ${fileLines(1501, 2000)}`);
    const second = Shipper.run(tailPipeline(out), stateDir);
    cleanups.push(() => second.stop());
    await second.ready();
    await expectEachFileLineOnce(out, id, 2000);
  });

  it('rotated while running, then kill -9: the checkpoint is in the new file, so the restart neither skips nor repeats', async () => {
    const { out, id, stateDir, shipper: first } = await following(1000);
    // within one poll: the old file's last lines, the rotation, the new file's first lines
    await docker('exec', id, 'sh', '-c', `${fileLines(1001, 1500)}; mv /var/log/app.log /var/log/app.log.1; ${fileLines(1501, 2000)}`);
    await waitForLineCount(out, 2000, 30_000);
    await settle();
    first.kill('SIGKILL');
    await first.exit();
    await docker('exec', id, 'sh', '-c', fileLines(2001, 2500));
    const second = Shipper.run(tailPipeline(out), stateDir);
    cleanups.push(() => second.stop());
    await second.ready();
    await expectEachFileLineOnce(out, id, 2500);
  });

  it('moved to another folder while running, and written through an open descriptor after the move: finished from the descriptor the wrapper holds', async () => {
    const { out, id } = await following(500);
    // an app holding its log open: lines before and after the move go to the same (moved) file
    await docker('exec', id, 'sh', '-c', `exec 5>>/var/log/app.log; ${fileLines(501, 600, '>&5')}; mkdir -p /archive; mv /var/log/app.log /archive/; ${fileLines(601, 700, '>&5')}; exec 5>&-; ${fileLines(701, 800)}`);
    await expectEachFileLineOnce(out, id, 800);
  });

  it('a path that is a symlink (app.log -> app-2026.log) is followed as its target: each line once, no re-reading', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const shipper = Shipper.run(tailPipeline(out), join(dir, 'state'));
    cleanups.push(() => shipper.stop());
    await shipper.ready();
    const id = await runContainer({ label, script: 'ln -s app-2026.log /var/log/app.log; i=1; while [ $i -le 300 ]; do echo "file $i" >> /var/log/app-2026.log; i=$((i+1)); done; sleep 3600' });
    cleanups.push(() => docker('rm', '-f', id));
    await expectEachFileLineOnce(out, id, 300, 30_000, 3000);
  });

  it('forged wrapper markers written by the application are content: each line once across SIGTERM and kill -9 restarts', async () => {
    const { out, id, stateDir, shipper: first } = await following(100);
    const inode = (await docker('exec', id, 'stat', '-c', '%i', '/var/log/app.log')).trim();
    // the old in-band marker, the current framing header and a marker after a partial line, each
    // naming another file, this file beyond its end, or "no file": none may move the checkpoint
    const forged = [
      `\0logship-tail 1 999999`,
      `\0logship-tail ${inode} 99999999`,
      `half a line\0logship-tail ${inode} 0`,
      `\0logship-tail none 0`,
      `\0logship-tail ${inode} 0 5`,
      `\0logship-tail ${inode} 1 99999999`,
    ];
    // printf's format turns \\000 into the NUL byte; the lines hold no other escapes nor quotes
    const printForged = forged.map((line) => `printf '${line.replace('\0', '\\000')}\\n' >> /var/log/app.log`).join('; ');
    await docker('exec', id, 'sh', '-c', `${printForged}; ${fileLines(101, 200)}`);
    await waitForLineCount(out, 200 + forged.length, 10_000);
    await settle();
    await first.stop();
    await docker('exec', id, 'sh', '-c', fileLines(201, 300));
    const second = Shipper.run(tailPipeline(out), stateDir);
    await second.ready();
    await waitForLineCount(out, 300 + forged.length, 10_000);
    await settle();
    second.kill('SIGKILL');
    await second.exit();
    await docker('exec', id, 'sh', '-c', `${printForged}; ${fileLines(301, 400)}`);
    const third = Shipper.run(tailPipeline(out), stateDir);
    cleanups.push(() => third.stop());
    await third.ready();
    await waitForLineCount(out, 400 + 2 * forged.length, 20_000);
    await settle();
    const records = readRecords(out);
    expect(sequenceProblems(messageCounts(records, id, 'stdout'), 'file', 400)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(records.filter((r) => r.message.includes('\0')).map((r) => r.message)).toEqual([...forged, ...forged]);
    expect(records).toHaveLength(400 + 2 * forged.length);
  });

  it('truncated while a frame is being copied: the wrapper starts over, lines before the cut once, none after it, the new ones once', async () => {
    const lines = 500_000;
    const id = await runContainer({ label, script: `awk 'BEGIN { for (i = 1; i <= ${lines}; i++) print "file " i }' > /var/log/app.log; sleep 3600` });
    cleanups.push(() => docker('rm', '-f', id));
    await settle(2000);
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const shipper = Shipper.run(tailPipeline(out), join(dir, 'state'), ['--log-level', 'debug']);
    cleanups.push(() => shipper.stop());
    await shipper.ready();
    // the whole file is one frame; the shipper takes seconds for it, so dd is still copying
    await waitForLineCount(out, 20_000, 20_000);
    await docker('exec', id, 'sh', '-c', ': > /var/log/app.log');
    await settle();
    await docker('exec', id, 'sh', '-c', 'i=1; while [ $i -le 100 ]; do echo "after $i" >> /var/log/app.log; i=$((i+1)); done');
    await waitForRecords(out, (r) => r.some((x) => x.message === 'after 100'), 30_000);
    await settle();
    const counts = messageCounts(readRecords(out), id, 'stdout');
    const shipped = [...counts.keys()].filter((m) => m.startsWith('file ')).length;
    expect(shipped).toBeGreaterThan(10_000);
    expect(shipped).toBeLessThan(lines);
    expect(sequenceProblems(counts, 'file', shipped)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(sequenceProblems(counts, 'after', 100)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(readRecords(out)).toHaveLength(shipped + 100);
    expect(shipper.stderr).toMatch(/copied \d+ of \d+ bytes from byte 0; starting over/);
  });

  it('a file truncated in place (copytruncate) is read again from its first byte', async () => {
    const { out, id } = await following(500);
    await settle();
    await docker('exec', id, 'sh', '-c', ': > /var/log/app.log');
    await settle();
    await docker('exec', id, 'sh', '-c', fileLines(501, 600));
    await expectEachFileLineOnce(out, id, 600);
  });

  it('after five kill -9 restarts the container holds exactly one tail per followed file', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const stateDir = join(dir, 'state');
    const id = await runContainer({ label, script: 'while true; do echo tick >> /var/log/a.log; echo tock >> /var/log/b.log; sleep 1; done' });
    cleanups.push(() => docker('rm', '-f', id));
    const pipeline = tailPipeline(out, '["/var/log/a.log", "/var/log/b.log"]');
    for (let i = 0; i < 5; i++) {
      const shipper = Shipper.run(pipeline, stateDir);
      await shipper.ready();
      await waitForLineCount(out, 2 * (i + 1), 20_000);
      shipper.kill('SIGKILL');
      await shipper.exit();
    }
    // the wrappers see their stdin close and end their tails
    await settle();
    expect(await tailWrappers(id)).toEqual([]);
    const shipper = Shipper.run(pipeline, stateDir);
    cleanups.push(() => shipper.stop());
    await shipper.ready();
    await settle();
    const tails = await tailWrappers(id);
    expect(tails).toHaveLength(2);
    expect(tails.some((t) => t.includes('/var/log/a.log'))).toBe(true);
    expect(tails.some((t) => t.includes('/var/log/b.log'))).toBe(true);
  });

  it('resumes after a container restart, with one exec per file per container start', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const shipper = Shipper.run(tailPipeline(out), join(dir, 'state'), ['--log-level', 'debug']);
    cleanups.push(() => shipper.stop());
    await shipper.ready();
    const script = 'trap "exit 0" TERM; n=$(cat /tmp/run 2>/dev/null || echo 0); n=$((n+1)); echo $n > /tmp/run; i=1; while [ $i -le 300 ]; do echo "run$n $i" >> /var/log/app.log; i=$((i+1)); usleep 10000; done; while true; do sleep 1; done';
    const id = await runContainer({ label, script });
    cleanups.push(() => docker('rm', '-f', id));
    await waitForLineCount(out, 300, 30_000);
    await docker('restart', '-t', '1', id);
    await waitForLineCount(out, 600, 30_000);
    await settle();
    const records = readRecords(out);
    const counts = messageCounts(records, id, 'stdout');
    expect(sequenceProblems(counts, 'run1', 300)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    expect(sequenceProblems(counts, 'run2', 300)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    const execs = shipper.stderr.split('\n').filter((l) => l.includes(id.slice(0, 12)) && l.includes('docker_tail: exec created'));
    expect(execs.length).toBeGreaterThanOrEqual(2);
    expect(execs.length).toBeLessThanOrEqual(3);
  });

  it('a distroless-like image (no sh, no dd): one warning naming the image, no exec storm over 60 s', async () => {
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const shipper = Shipper.run(tailPipeline(out), join(dir, 'state'), ['--log-level', 'debug']);
    cleanups.push(() => shipper.stop());
    await shipper.ready();
    const id = (await docker('run', '-d', '--network', 'none', '--label', label, 'logship-test/distroless:1', 'sleep', '3600')).trim();
    cleanups.push(() => docker('rm', '-f', id));
    await new Promise((r) => setTimeout(r, 60_000));
    const lines = shipper.stderr.split('\n').filter((l) => l.includes(id.slice(0, 12)));
    const warnings = lines.filter((l) => l.includes('"level":40'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('logship-test/distroless:1');
    expect(warnings[0]).toMatch(/has no (sh|stat|dd)/);
    expect(lines.filter((l) => l.includes('docker_tail: exec created'))).toHaveLength(1);
    expect(shipper.process.exitCode).toBeNull();
  });
});
