import { execFile, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from './shipper.js';

const exec = promisify(execFile);

export const KAFKA = '127.0.0.1:9092';

/** Fails loudly when no broker answers: Kafka tests never pass without one. */
export function requireKafka(broker = KAFKA): void {
  const probe = spawnSync('kcat', ['-L', '-b', broker, '-m', '5'], { encoding: 'utf8' });
  if (probe.status !== 0) throw new Error(`no Kafka broker answers on ${broker} — start one with scripts/kafka-up.sh (${(probe.stderr || probe.error?.message || '').trim()})`);
}

export interface ConsumedMessage {
  partition: number;
  offset: number;
  key: string | null;
  headers: Record<string, string>;
  payload: string;
}

/** Every message of a topic, read with kcat (an independent client, librdkafka). */
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

/** Waits until a topic holds at least `count` messages; returns them. */
export async function waitForMessages(topic: string, count: number, timeoutMs = 90_000, broker = KAFKA): Promise<ConsumedMessage[]> {
  const deadline = Date.now() + timeoutMs;
  let messages: ConsumedMessage[] = [];
  for (;;) {
    messages = await consumeAll(topic, broker).catch(() => []);
    if (messages.length >= count) return messages;
    if (Date.now() > deadline) throw new Error(`topic ${topic} holds ${messages.length} messages, expected ${count}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The project's broker scripts (scripts/kafka-*.sh). */
export async function kafkaScript(name: 'kafka-up.sh' | 'kafka-down.sh', env: Record<string, string> = {}): Promise<void> {
  await exec(join(REPO_ROOT, 'scripts', name), [], { env: { ...process.env, ...env }, timeout: 240_000 });
}
