import { defineOutput } from '../../plugins/types.js';
import { lazyOutput } from '../../plugins/lazy-output.js';
import { checkKafka, kafkaSchema } from './schema.js';
import { CONCURRENT_WRITES } from './batching.js';

export const kafkaOutput = defineOutput({
  kind: 'output',
  type: 'kafka',
  summary: 'Produces records to Kafka (kafkajs): one topic per template, keyed per container so its lines stay in order; acked only once the broker has them.',
  docs: 'docs/plugins/kafka.md',
  schema: kafkaSchema,
  check: checkKafka,
  examples: [
    {
      title: 'With a disk buffer: lines keep being read and acknowledged while the broker is away',
      pipeline: `inputs:
  - type: docker_logs
outputs:
  - type: kafka
    brokers: ["127.0.0.1:9092"]
    topic: "logs.{container.name}"
    buffer:
      type: disk
      max_bytes: 1GiB
      when_full: block
`,
    },
    {
      title: 'Exactly once: container logs and files into Kafka transactions; consumers read with isolation.level=read_committed',
      pipeline: `host_name: \${NODE_NAME:-node-1}
inputs:
  - type: docker_logs
  - type: docker_tail
    paths: ["/var/log/nginx/access.log"]
outputs:
  - type: kafka
    brokers: ["127.0.0.1:9092"]
    topic: "logs.{container.name}"
    delivery: exactly_once
    transaction_interval: 200ms
    positions_topic: logship-positions
`,
    },
    {
      title: 'The demo containers to one topic per container name, key = container ID',
      pipeline: `inputs:
  - type: docker_logs
    include: { labels: ["app=demo"] }
outputs:
  - type: kafka
    match: "docker.**"
    brokers: ["127.0.0.1:9092"]
    topic: "logs.{container.name}"
`,
    },
    {
      title: 'Everything to one topic over SASL/SCRAM and TLS, lz4, raw message text',
      pipeline: `inputs:
  - type: docker_logs
outputs:
  - type: kafka
    brokers: ["kafka-1.example.com:9093", "kafka-2.example.com:9093"]
    topic: logs
    encoding: message
    compression: lz4
    sasl:
      mechanism: scram-sha-512
      username: logship
      password: \${KAFKA_PASSWORD:-change-me}
    tls:
      enabled: true
`,
    },
  ],
  batching: (config) => ({ maxRecords: config.batch_max_records, lingerMs: config.linger, concurrentWrites: CONCURRENT_WRITES, handOverAfterWrites: config.delivery === 'exactly_once' }),
  // the client library loads only for pipelines that use this output
  create: (config, context) => lazyOutput(async () => new (await import('./kafka-output.js')).KafkaOutput(config, context)),
});
