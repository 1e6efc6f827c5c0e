import { defineInput } from '../../plugins/types.js';
import { GeneratorInput } from './generator-input.js';
import { generatorSchema } from './schema.js';

export const generatorInput = defineInput({
  kind: 'input',
  type: 'generator',
  summary: 'Synthetic numbered records (padded to a size, or JSON application log lines), for benchmarks and for trying outputs without containers.',
  docs: 'docs/plugins/generator.md',
  schema: generatorSchema,
  examples: [
    {
      title: 'One million 200-byte records as fast as Kafka takes them',
      pipeline: `inputs:
  - type: generator
    count: 1000000
    message_bytes: 200
outputs:
  - type: kafka
    brokers: ["127.0.0.1:9092"]
    topic: bench
`,
    },
    {
      title: 'JSON application log lines from 20 made-up containers, 4,000 a second, to a file',
      pipeline: `inputs:
  - type: generator
    rate: 4000
    containers: 20
    message: json_log
outputs:
  - type: file
    path: /tmp/generated.jsonl
`,
    },
  ],
  create: (config, context) => new GeneratorInput(config, context),
});
