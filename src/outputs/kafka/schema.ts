import { templateText } from '../../plugins/options/validators.js';
import { z } from 'zod';
import { tlsProblems, tlsSchema } from '../../plugins/options/tls.js';
import { integerIn, portProblem } from '../../plugins/options/numbers.js';
import { withSecretFiles } from '../../plugins/options/secret-file.js';
import { byteSizeIn, duration, durationIn, GiB, MiB } from '../../plugins/options/units.js';

const template = (what: string) => templateText({ what });

const saslSchema = withSecretFiles(
  {
    mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).describe('SASL mechanism.'),
    username: z.string().min(1).describe('SASL user name.'),
    password: z.string().min(1).optional().describe('SASL password (use ${ENV_VAR} rather than writing it in the file, or password_file).'),
  },
  ['password'],
  () => 'File holding the SASL password instead of password (a mounted Docker or Kubernetes secret): read at start and at each reload, trailing newline removed.',
).transform(({ mechanism, username, password }, ctx) => {
  if (password !== undefined) return { mechanism, username, password };
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'give password or password_file' });
  return z.NEVER;
});

export const kafkaSchema = z
  .object({
    brokers: z
      .array(
        z
          .string()
          .regex(/^[^\s:/]+:\d+$/, 'write a broker as host:port, e.g. 127.0.0.1:9092')
          .refine((broker) => !/^[^\s:/]+:\d+$/.test(broker) || !portProblem(broker), (broker) => ({ message: portProblem(broker) ?? '' })),
      )
      .min(1, 'give at least one broker, e.g. ["127.0.0.1:9092"]')
      .describe('Bootstrap brokers, host:port.'),
    client_id: z.string().min(1).default('logship').describe('Client ID the brokers see (quotas, logs).'),
    topic: template('topic').describe('Topic, a template of record fields, e.g. "logs.{container.name}". Characters Kafka does not allow in topic names become "_".'),
    key: template('key').default('{container.id}').describe('Message key, a template: messages with the same key go to the same partition, in order. The default keeps each container\'s lines in order.'),
    headers: z
      .record(template('header'))
      .default({ source: '{source}', stream: '{stream}', 'container.name': '{container.name}' })
      .describe('Message headers: name → template. Give {} for none.'),
    encoding: z.enum(['json', 'message']).default('json').describe('json: the whole record as JSON (as the file output writes it); message: only the message text.'),
    compression: z.enum(['gzip', 'snappy', 'lz4', 'zstd', 'none']).default('gzip').describe('Compression of message batches (all codecs are pure JavaScript/WebAssembly, no native builds).'),
    compression_level: integerIn(1, 9).default(3).describe('gzip level (with compression: gzip): 1 fastest … 9 smallest. 3 costs about 40 % of the CPU of level 6 (zlib\'s default, what kafkajs and librdkafka use) for batches about 8 % larger. Other codecs use their defaults.'),
    acks: z.union([z.literal(-1), z.literal(1)]).default(-1).describe('-1: every in-sync replica has the batch before it counts as delivered; 1: the leader only (faster, loses data if the leader dies).'),
    idempotent: z.boolean().default(true).describe('Idempotent producer: the broker drops duplicates of its own retries and keeps order. Needs acks -1.'),
    max_in_flight: integerIn(1, 32).default(5).describe('Most produce requests in flight at once (partitions of a batch are sent concurrently; one partition\'s messages never overtake each other).'),
    batch_max_records: integerIn(1, 1_000_000).default(10_000).describe('Most records in one batch taken from the queue.'),
    batch_max_bytes: byteSizeIn({ max: 256 * MiB }).default(1024 * 1024).describe('Most bytes of messages in one produce request per partition.'),
    linger: durationIn({ min: 0, max: 3_600_000 }).default(200).describe('How long a batch waits to fill up before it is sent (0: at once). Longer batches cost less CPU per record: 20 containers × 200 lines/s into Kafka and Elasticsearch cost a fifth to a quarter less CPU per line at 200 ms than at 50 ms (bench/footprint).'),
    max_message_bytes: byteSizeIn({ max: GiB }).default(1_000_000).describe('Messages larger than this go to the dead-letter file without being sent (match the broker\'s message.max.bytes).'),
    timeout: duration.default(30_000).describe('How long the broker may take to acknowledge a produce request.'),
    connect_timeout: duration.default(5_000).describe('How long connecting to a broker may take.'),
    create_topics: z.boolean().default(true).describe('Create a missing topic (with topic_partitions and topic_replication_factor). When false, records for a missing topic go to the dead-letter file with the reason.'),
    topic_partitions: integerIn(1, 100_000).default(1).describe('Partitions of topics logship creates.'),
    topic_replication_factor: integerIn(1, 32_767).default(1).describe('Replication factor of topics logship creates (1 suits a single broker; use 3 on a real cluster).'),
    delivery: z
      .enum(['at_least_once', 'exactly_once'])
      .default('at_least_once')
      .describe('at_least_once: a record is sent again when its delivery is not known to have succeeded (after a crash: everything since the last checkpoint). exactly_once: records and the positions they came from are committed in one Kafka transaction, so after a crash or restart nothing is written twice; consumers must read with isolation.level=read_committed (docs/delivery-guarantees.md).'),
    transaction_interval: durationIn({ min: 10, max: 60_000 })
      .default(200)
      .describe('exactly_once: how long a transaction stays open for more batches before it commits (it commits sooner once the batches that may be in flight joined). Records become visible to read_committed consumers when their transaction commits.'),
    positions_topic: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a topic name of letters, digits, ".", "_" and "-"')
      .default('logship-positions')
      .describe('exactly_once: the compacted topic that holds, per host, output and source, the position of the last committed record. Created (compacted, one partition) when missing and create_topics is true.'),
    transactional_id: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .describe('exactly_once: the transactional id; default "logship-<host name>-<output id>" when the output has an `id`, else "logship-<host name>-topic-<hash of the topic template>". It must stay the same across restarts (a restarted shipper fences its predecessor with it) and differ between hosts: the host name is the pipeline\'s host_name, else $NODE_NAME, else the machine\'s host name.'),
    sasl: saslSchema.optional().describe('SASL authentication.'),
    tls: tlsSchema.optional().describe('TLS to the brokers.'),
  })
  .strict();

export type KafkaConfig = z.output<typeof kafkaSchema>;

/** Rules across options, and files that must exist. */
export function checkKafka(config: KafkaConfig): Array<{ key: string; message: string }> {
  const problems: Array<{ key: string; message: string }> = [];
  if (config.idempotent && config.acks !== -1) problems.push({ key: 'acks', message: 'an idempotent producer needs acks -1 — set acks: -1 or idempotent: false' });
  if (config.delivery === 'exactly_once' && !config.idempotent) problems.push({ key: 'idempotent', message: 'delivery: exactly_once needs an idempotent producer — remove idempotent: false, or use delivery: at_least_once' });
  // a transaction holds two batches' requests; brokers abort transactions after 15 minutes (max.transaction.timeout.ms)
  if (config.delivery === 'exactly_once' && config.timeout > 420_000) problems.push({ key: 'timeout', message: 'with delivery: exactly_once, timeout can be at most 7m (a transaction may last twice as long, and brokers abort transactions after 15 minutes)' });
  problems.push(...tlsProblems(config.tls));
  return problems;
}
