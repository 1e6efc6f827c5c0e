import { spawnSync } from 'node:child_process';
import kafkajs from 'kafkajs';
import { REPO_ROOT } from './paths.js';
import { log, sleep } from './session.js';

/**
 * A benchmark's broker admin (kafkajs: topic create/delete and offsets only; nothing is consumed
 * while timing). Counts its failed requests: a measurement during which they grew was disturbed
 * (other tests restart the shared broker), see attempt() in session.ts. Not for the tests: kafkajs
 * must load after logship's fast path in a process that runs logship's kafka output.
 */
export class BrokerAdmin {
  /** Failed broker requests so far. */
  failures = 0;
  readonly createdTopics: string[] = [];
  private readonly kafka: InstanceType<typeof kafkajs.Kafka>;
  private admin: ReturnType<InstanceType<typeof kafkajs.Kafka>['admin']> | undefined;

  constructor(
    readonly brokers: string[],
    clientId: string,
    private readonly waitMs = 90_000,
  ) {
    this.kafka = new kafkajs.Kafka({ clientId, brokers, connectionTimeout: 3000, requestTimeout: 10_000, retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 500 }, logLevel: kafkajs.logLevel.NOTHING });
  }

  private async client(): Promise<NonNullable<BrokerAdmin['admin']>> {
    if (this.admin) return this.admin;
    const a = this.kafka.admin();
    await a.connect();
    this.admin = a;
    return a;
  }

  async disconnect(): Promise<void> {
    const a = this.admin;
    this.admin = undefined;
    try {
      await a?.disconnect();
    } catch {
      // gone anyway
    }
  }

  /** Waits until the broker answers (it may be restarted by other tests); throws after waitMs. */
  async waitForBroker(why?: string): Promise<void> {
    const deadline = Date.now() + this.waitMs;
    let warned = false;
    for (;;) {
      try {
        await (await this.client()).listTopics();
        if (warned) log('broker is back');
        return;
      } catch (err) {
        this.failures += 1;
        await this.disconnect();
        if (!warned) log(`broker ${this.brokers.join(',')} does not answer (${(err as Error).message}); waiting up to ${this.waitMs / 1000} s${why ? ` (${why})` : ''}`);
        warned = true;
        if (Date.now() > deadline) throw new Error(`broker ${this.brokers.join(',')} unreachable for ${this.waitMs / 1000} s; start it with scripts/kafka-up.sh`);
        await sleep(1000);
      }
    }
  }

  /** Creates a new one-partition topic; a name used before in this invocation (a repeated measurement) gets a suffix. */
  async createTopic(base: string): Promise<string> {
    let name = base;
    for (let n = 2; this.createdTopics.includes(name); n++) name = `${base}-${n}`;
    await this.waitForBroker(`create topic ${name}`);
    const created = await (await this.client()).createTopics({ topics: [{ topic: name, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    if (!created) throw new Error(`topic ${name} already exists`);
    this.createdTopics.push(name);
    return name;
  }

  /** Sum of the high watermarks of a topic's partitions (its message count: no transactions here), NaN when the broker did not answer. */
  async topicCount(topic: string): Promise<number> {
    try {
      const offsets = await (await this.client()).fetchTopicOffsets(topic);
      return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    } catch {
      this.failures += 1;
      await this.disconnect();
      return NaN;
    }
  }

  /** The count, waiting once for the broker when it did not answer. */
  async finalCount(topic: string, why: string): Promise<number> {
    const count = await this.topicCount(topic);
    if (!Number.isNaN(count)) return count;
    await this.waitForBroker(why);
    return this.topicCount(topic);
  }

  /** Deletes the topics this admin created (`pattern` names them in the messages). */
  async deleteTopics(pattern: string, keep: boolean): Promise<void> {
    if (this.createdTopics.length === 0) return;
    if (keep) {
      log(`kept ${this.createdTopics.length} topics: ${pattern}`);
      return;
    }
    try {
      await (await this.client()).deleteTopics({ topics: this.createdTopics, timeout: 10_000 });
      log(`deleted ${this.createdTopics.length} topics`);
      this.createdTopics.length = 0;
    } catch (err) {
      log(`could not delete the topics ${pattern} (${(err as Error).message}); they stay on the broker`);
    }
  }

  /**
   * Deletes the topics not deleted yet synchronously, in a child node with kafkajs: for a session's
   * cleanup, which also runs from a signal handler. Says whether it did.
   */
  deleteTopicsSync(): boolean {
    if (this.createdTopics.length === 0) return true;
    const script = `import k from 'kafkajs';
const admin = new k.Kafka({ clientId: 'logship-bench-cleanup', brokers: ${JSON.stringify(this.brokers)}, connectionTimeout: 3000, retry: { retries: 1 }, logLevel: k.logLevel.NOTHING }).admin();
await admin.connect();
await admin.deleteTopics({ topics: ${JSON.stringify(this.createdTopics)}, timeout: 10000 });
await admin.disconnect();`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: REPO_ROOT, timeout: 30_000, stdio: 'ignore' });
    if (r.status !== 0) return false;
    this.createdTopics.length = 0;
    return true;
  }
}
