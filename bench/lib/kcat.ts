import { execFile, execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { REPO_ROOT } from './paths.js';
import type { Session } from './session.js';

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
 * in memory; `done` resolves with kcat's exit code and the end of its stderr.
 */
export function streamValues(session: Session, topic: string, brokers: string): { lines: AsyncIterable<string>; done: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn('kcat', ['-C', '-b', brokers, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
