import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { numberedScript, removeContainersWithLabel, runContainer, uniqueLabel, waitForExit } from '../helpers/docker-cli.js';
import { messageCounts, readRecords, sequenceProblems, waitForRecords } from '../helpers/output-file.js';
import { Shipper, tempDir } from '../helpers/shipper.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const FORGED = '2099-01-01T00:00:00.000000000Z';
const R = '\uFFFD';

/** `count` copies of the bytes of a printf escape, e.g. "\\377" (sh, no loop per byte of output). */
function repeat(printfBytes: string, count: number): string {
  return `i=0; while [ $i -lt ${count} ]; do printf "${printfBytes}"; i=$((i+1)); done`;
}

// Lines a TTY container prints that json-file stores longer than they were (each invalid byte
// becomes U+FFFD, 3 bytes), so that the logs API sends 16 KiB pieces longer than 16 KiB.
const HOSTILE: Array<{ script: string; message: string }> = [
  // the reviewer's attack: a timestamp where a piece of 16,384 bytes as sent would end
  {
    script: `${repeat('\\377', 16)}; head -c 16336 /dev/zero | tr "\\0" A; printf " ${FORGED} more text\\n"`,
    message: `${R.repeat(16)}${'A'.repeat(16336)} ${FORGED} more text`,
  },
  {
    script: `${repeat('\\377', 16)}; head -c 16336 /dev/zero | tr "\\0" A; printf "${FORGED} xy\\n"`,
    message: `${R.repeat(16)}${'A'.repeat(16336)}${FORGED} xy`,
  },
  // harmless: 21,000 bytes of €, the 16 KiB cut inside a character
  { script: `${repeat('\\342\\202\\254', 7000)}; echo`, message: `${'€'.repeat(5461)}${R.repeat(3)}${'€'.repeat(1538)}` },
  // a whole line of 16,300 bytes, sent as 16,500, with a forged timestamp past 16 KiB
  {
    script: `${repeat('\\377', 100)}; head -c 16084 /dev/zero | tr "\\0" B; printf "${FORGED} evil\\n"`,
    message: `${R.repeat(100)}${'B'.repeat(16084)}${FORGED} evil`,
  },
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('docker_logs, mode api, TTY container: long lines that json-file re-encodes', () => {
  it('ships the hostile lines whole and every later line exactly once, across a SIGTERM and restart of the shipper', async () => {
    const label = uniqueLabel();
    const dir = tempDir();
    const out = join(dir, 'out.jsonl');
    const stateDir = join(dir, 'state');
    const pipeline = `inputs:
  - type: docker_logs
    mode: api
    include:
      labels: ["${label}"]
outputs:
  - type: file
    match: "docker.**"
    path: ${out}
`;
    cleanups.push(() => removeContainersWithLabel(label));
    let shipper = Shipper.run(pipeline, stateDir);
    cleanups.push(() => shipper.stop());
    await shipper.ready();

    const total = 3000;
    // paced (0.2 s every 200 lines, about 3 s) so that the restart lands in the middle
    const script = `${HOSTILE.map((h) => h.script).join('; ')}; ${numberedScript(total, { pauseEvery: 200, pauseUs: 200_000 })}`;
    const id = await runContainer({ label, tty: true, script });

    const before = await waitForRecords(out, (r) => r.length >= HOSTILE.length + 600, 30_000);
    expect(before.length).toBeGreaterThanOrEqual(HOSTILE.length + 600);
    expect(await shipper.stop()).toBe(0);
    // stopped while the container was still printing
    expect(readRecords(out).length).toBeLessThan(HOSTILE.length + total);
    // the checkpoint stays where the container's lines are, not in 2099
    expect(filesUnder(stateDir).some((f) => readFileSync(f, 'utf8').includes('2099'))).toBe(false);

    shipper = Shipper.run(pipeline, stateDir);
    await shipper.ready();
    await waitForExit(id);
    await waitForRecords(out, (r) => r.length >= HOSTILE.length + total, 30_000);
    // let a late duplicate show up, if there were one
    await new Promise((r) => setTimeout(r, 1500));
    expect(await shipper.stop()).toBe(0);

    const records = readRecords(out);
    const counts = messageCounts(records, id, 'tty');
    expect(sequenceProblems(counts, 'out', total)).toEqual({ missing: [], duplicated: [], unexpected: [] });
    for (const h of HOSTILE) expect({ line: h.message.slice(-30), count: counts.get(h.message) ?? 0 }).toEqual({ line: h.message.slice(-30), count: 1 });
    expect(records.filter((r) => r.container.id === id)).toHaveLength(HOSTILE.length + total);
    expect(records.every((r) => !r['@timestamp'].startsWith('2099'))).toBe(true);
    expect(filesUnder(stateDir).some((f) => readFileSync(f, 'utf8').includes('2099'))).toBe(false);
  });
});
