import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';
import { killTree, sleep, type Exit, type Session } from './session.js';

const exec = promisify(execFile);

/** Kafka through kcat (librdkafka): a client independent of the one logship uses. No kafkajs here (see kafka-admin.ts). */

export const KAFKA = '127.0.0.1:9092';

/** Fails loudly when no broker answers: Kafka tests never pass without one. */
export function requireKafka(broker = KAFKA): void {
  const probe = spawnSync('kcat', ['-L', '-b', broker, '-m', '5'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`no Kafka broker answers on ${broker} — start one with scripts/kafka-up.sh (${(probe.stderr || probe.error?.message || '').trim()})`);
}

/** kcat's librdkafka version ("librdkafka 2.x.y"); throws when kcat is not installed. */
export function kcatVersion(): string {
  return execFileSync('kcat', ['-V'], { encoding: 'utf8' }).match(/librdkafka [\d.]+/)?.[0] ?? 'kcat';
}

export interface ConsumedMessage {
  partition: number;
  offset: number;
  key: string | null;
  headers: Record<string, string>;
  payload: string;
}

/** Every message of a topic, read with kcat. */
export async function consumeAll(topic: string, broker = KAFKA, extra: string[] = []): Promise<ConsumedMessage[]> {
  const { stdout } = await exec('kcat', ['-C', '-b', broker, '-t', topic, '-o', 'beginning', '-e', '-q', '-J', ...extra], { maxBuffer: 1024 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const m = JSON.parse(line) as { partition: number; offset: number; key: string | null; headers?: string[]; payload: string };
      const headers: Record<string, string> = {};
      for (let i = 0; i + 1 < (m.headers?.length ?? 0); i += 2) headers[m.headers?.[i] as string] = m.headers?.[i + 1] as string;
      return { partition: m.partition, offset: m.offset, key: m.key, headers, payload: m.payload };
    });
}

/**
 * Every message value of a topic as it is read (kcat -C streaming), for topics too large to hold
 * in memory; `done` resolves with kcat's exit code and the end of its stderr. `extra`: more kcat
 * arguments, e.g. ['-X', 'isolation.level=read_committed'].
 */
export function streamValues(session: Session, topic: string, brokers: string, extra: readonly string[] = []): { lines: AsyncIterable<string>; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn('kcat', ['-C', '-b', brokers, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  session.children.add(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; stderr: string }>((r) =>
    child.once('close', (code) => {
      session.children.delete(child);
      r({ code, stderr });
    }),
  );
  return { lines: createInterface({ input: child.stdout, crlfDelay: Infinity }), done };
}

/** Size of the value and key of a topic's last message. */
export function lastMessageSizes(topic: string, brokers: string): { value: number; key: number } {
  try {
    const out = execFileSync('kcat', ['-C', '-b', brokers, '-t', topic, '-o', '-1', '-c', '1', '-e', '-q', '-f', '%S %K\n'], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const [value, key] = out.trim().split(' ').map(Number);
    return { value: value ?? NaN, key: key ?? NaN };
  } catch {
    return { value: NaN, key: NaN };
  }
}

/** Messages in a topic so far (sum of partition end offsets; the test topics start at offset 0). */
export async function messageCount(topic: string, broker = KAFKA, partitions = 1): Promise<number> {
  let total = 0;
  for (let p = 0; p < partitions; p += 1) {
    const { stdout } = await exec('kcat', ['-Q', '-b', broker, '-t', `${topic}:${p}:-1`]);
    total += Number(/offset (\d+)/.exec(stdout)?.[1] ?? 0);
  }
  return total;
}

/**
 * Waits until a topic holds at least `count` messages, then returns them all. Counting uses end
 * offsets: kcat -e never reaches "end" of a partition that is still being written to.
 */
export async function waitForMessages(topic: string, count: number, timeoutMs = 90_000, broker = KAFKA): Promise<ConsumedMessage[]> {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  for (;;) {
    seen = await messageCount(topic, broker).catch(() => 0);
    if (seen >= count) return consumeAll(topic, broker);
    if (Date.now() > deadline) throw new Error(`topic ${topic} holds ${seen} messages, expected ${count}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The project's broker scripts (scripts/kafka-*.sh). */
export async function kafkaScript(name: 'kafka-up.sh' | 'kafka-down.sh', env: Record<string, string> = {}): Promise<void> {
  await exec(join(REPO_ROOT, 'scripts', name), [], { env: { ...process.env, ...env }, timeout: 240_000 });
}

const TIME_BIN = ['/usr/bin/time', '/bin/time'].find((p) => existsSync(p));

export interface KcatProduced {
  exit: Exit;
  /** Spawn to exit. */
  seconds: number;
  /** From /usr/bin/time when installed, else NaN. */
  cpuSeconds: number;
  peakRssMiB: number;
  /** The last lines of its stderr (when it failed). */
  stderrTail: string;
  /** `poll` returned false: it was killed. */
  aborted: boolean;
}

/**
 * The reference producer: `kcat -P` sends the `key<TAB>value` lines of `input` to `topic` with
 * logship's kafka defaults (acks=all, idempotence, gzip at level 3) and `codec`, timed from spawning it until it
 * exits (it flushes and waits for every acknowledgement first). `poll` runs every `everyMs` while
 * it does (a benchmark polls the topic as it does for logship); when it answers false, kcat is
 * killed (the broker went away: kcat would retry for minutes).
 */
export async function produceWithKcat(
  session: Session,
  spec: { brokers: string; topic: string; codec: string; input: string; /** librdkafka's compression.level; for gzip logship's default compression_level, 3, unless given. */ level?: number; headers: Record<string, string>; dir: string; tag: string; poll?: (t0: number) => Promise<boolean>; everyMs?: number },
): Promise<KcatProduced> {
  const args = ['-P', '-b', spec.brokers, '-t', spec.topic, '-z', spec.codec, '-X', 'acks=all', '-X', 'enable.idempotence=true', '-K', '\t'];
  const level = spec.level ?? (spec.codec === 'gzip' ? 3 : undefined);
  if (level !== undefined) args.push('-X', `compression.level=${level}`);
  for (const [name, value] of Object.entries(spec.headers)) args.push('-H', `${name}=${value}`);
  const stdin = openSync(spec.input, 'r');
  const stderrPath = join(spec.dir, `kcat-${spec.tag}.stderr`);
  const stderr = openSync(stderrPath, 'w');
  const timeOut = join(spec.dir, `kcat-${spec.tag}.time`);
  let aborted = false;
  let exit: Exit;
  let seconds: number;
  try {
    const t0 = performance.now();
    // its own process group, so that kcat under /usr/bin/time can be killed as a whole
    const kcat = TIME_BIN
      ? session.spawn('kcat', TIME_BIN, ['-f', '%U %S %M', '-o', timeOut, 'kcat', ...args], { stdio: [stdin, 'ignore', stderr], detached: true })
      : session.spawn('kcat', 'kcat', args, { stdio: [stdin, 'ignore', stderr], detached: true });
    while (!kcat.isDone() && spec.poll) {
      if (!(await spec.poll(t0))) {
        aborted = true;
        killTree(kcat.child);
        break;
      }
      await Promise.race([sleep(spec.everyMs ?? 100), kcat.exited]);
    }
    exit = await kcat.exited;
    seconds = ((kcat.doneAt ?? NaN) - t0) / 1000;
  } finally {
    closeSync(stdin);
    closeSync(stderr);
  }
  let cpuSeconds = NaN;
  let peakRssMiB = NaN;
  if (TIME_BIN && existsSync(timeOut)) {
    const [user, system, maxKiB] = (readFileSync(timeOut, 'utf8').trim().split('\n').pop() ?? '').split(' ').map(Number);
    cpuSeconds = (user ?? NaN) + (system ?? NaN);
    peakRssMiB = (maxKiB ?? NaN) / 1024;
  }
  const stderrTail = readFileSync(stderrPath, 'utf8').trim().split('\n').slice(-3).join(' | ');
  return { exit, seconds, cpuSeconds, peakRssMiB, stderrTail, aborted };
}
